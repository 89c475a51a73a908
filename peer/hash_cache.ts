/**
 * Remembers file hashes between runs, keyed by name, size and modification
 * time, so that restarting a peer does not hash unchanged files again. Kept in
 * the share folder as a hidden file (never shared); a read-only share simply
 * has no cache.
 * @module
 */
import { join } from "node:path";
import type { FileHashes } from "./file_hasher.ts";

/** Name of the cache file inside a share folder. */
export const HASH_CACHE_FILE = ".swapmeet-hashes.json";

interface Entry extends FileHashes {
  size: number;
  mtime: number;
}

/** Hash cache of one share folder. */
export class HashCache {
  readonly #path: string;
  #entries = new Map<string, Entry>();
  #dirty = false;

  constructor(root: string) {
    this.#path = join(root, HASH_CACHE_FILE);
  }

  /** Loads the cache file; a missing or damaged one gives an empty cache. */
  async load(): Promise<void> {
    try {
      const data = JSON.parse(await Deno.readTextFile(this.#path));
      if (data?.version === 1 && typeof data.entries === "object") {
        this.#entries = new Map(Object.entries(data.entries as Record<string, Entry>));
      }
    } catch {
      this.#entries = new Map();
    }
  }

  /** Cached hashes for `name`, if its size and mtime are unchanged. */
  get(name: string, size: number, mtime: number): FileHashes | undefined {
    const e = this.#entries.get(name);
    if (!e || e.size !== size || e.mtime !== mtime || !Array.isArray(e.chunkHashes)) {
      return undefined;
    }
    return { sha256: e.sha256, chunkSize: e.chunkSize, chunkHashes: e.chunkHashes };
  }

  /** Records hashes for `name`. */
  set(name: string, size: number, mtime: number, hashes: FileHashes): void {
    this.#entries.set(name, { size, mtime, ...hashes });
    this.#dirty = true;
  }

  /** Keeps only the entries for `names`. */
  retain(names: Set<string>): void {
    for (const name of this.#entries.keys()) {
      if (!names.has(name)) {
        this.#entries.delete(name);
        this.#dirty = true;
      }
    }
  }

  /** Writes the cache when it changed (atomically: temp file, then rename); errors are ignored. */
  async save(): Promise<void> {
    if (!this.#dirty) return;
    const tmp = `${this.#path}.tmp`;
    try {
      await Deno.writeTextFile(
        tmp,
        JSON.stringify({ version: 1, entries: Object.fromEntries(this.#entries) }),
      );
      await Deno.rename(tmp, this.#path);
      this.#dirty = false;
    } catch {
      await Deno.remove(tmp).catch(() => {});
    }
  }
}
