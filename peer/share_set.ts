/**
 * The files a peer shares: its folder's files plus the downloads it completed
 * in this session. Looked up by content hash for uploads; diffed on rescans.
 * A pure data structure; no I/O.
 * @module
 */
import { numberedName } from "../shared/file_names.ts";
import type { FileRecord } from "../shared/protocol.ts";
import { type SharedFile, toRecord } from "./share_folder.ts";

/** Folder files and completed downloads, by name and by hash. */
export class ShareSet {
  readonly #byName = new Map<string, SharedFile>();
  readonly #bySha = new Map<string, Set<string>>();
  readonly #downloaded = new Set<string>();
  /** The folder name downloads are shared under: `downloads/NAME` (the download folder's name). */
  readonly downloadsName: string;

  constructor(folderFiles: SharedFile[] = [], downloadsName = "downloads") {
    for (const f of folderFiles) this.#add(f);
    this.downloadsName = downloadsName;
  }

  /** Every shared file. */
  get files(): SharedFile[] {
    return [...this.#byName.values()];
  }

  /** Records to register with the index. */
  records(): FileRecord[] {
    return this.files.map(toRecord);
  }

  /** A shared file with this content hash, if any: a complete one rather than a partial one. */
  lookup(sha256: string): SharedFile | undefined {
    const names = this.#bySha.get(sha256);
    if (!names) return undefined;
    let partial: SharedFile | undefined;
    for (const n of names) {
      const f = this.#byName.get(n)!;
      if (!f.part) return f;
      partial ??= f;
    }
    return partial;
  }

  /** Replaces the folder's files with a new scan; returns what to register and unregister. */
  applyScan(folderFiles: SharedFile[]): { changed: SharedFile[]; removed: string[] } {
    const fresh = new Map(folderFiles.map((f) => [f.name, f]));
    const removed: string[] = [];
    for (const [name] of this.#byName) {
      if (!this.#downloaded.has(name) && !fresh.has(name)) {
        this.#remove(name);
        removed.push(name);
      }
    }
    const changed: SharedFile[] = [];
    for (const f of folderFiles) {
      const old = this.#byName.get(f.name);
      if (
        old && old.sha256 === f.sha256 && old.size === f.size && old.mtime === f.mtime &&
        old.description === f.description
      ) continue;
      if (old) this.#remove(f.name);
      this.#downloaded.delete(f.name);
      this.#add(f);
      changed.push(f);
    }
    return { changed, removed };
  }

  /** Puts `file` in the place of the download shared as `name` (a partial one that finished). */
  replaceDownloaded(name: string, file: Omit<SharedFile, "name">): SharedFile {
    this.#remove(name);
    const entry: SharedFile = { ...file, name };
    this.#add(entry);
    this.#downloaded.add(name);
    return entry;
  }

  /** Stops sharing a download (a partial one that ended). */
  removeDownloaded(name: string): void {
    if (!this.#downloaded.delete(name)) return;
    this.#remove(name);
  }

  /**
   * Shares a download as `downloads/NAME` (under the download folder's name;
   * numbered if taken), complete or, with `part`, still in progress. Returns
   * the entry.
   */
  addDownloaded(file: Omit<SharedFile, "name"> & { baseName: string }): SharedFile {
    const { baseName, ...rest } = file;
    const under = (n: number) => `${this.downloadsName}/${numberedName(baseName, n)}`;
    let name = under(0);
    for (let n = 1; this.#byName.has(name); n++) name = under(n);
    const entry: SharedFile = { ...rest, name };
    this.#add(entry);
    this.#downloaded.add(name);
    return entry;
  }

  #add(f: SharedFile): void {
    this.#byName.set(f.name, f);
    let names = this.#bySha.get(f.sha256);
    if (!names) this.#bySha.set(f.sha256, names = new Set());
    names.add(f.name);
  }

  #remove(name: string): void {
    const f = this.#byName.get(name);
    if (!f) return;
    this.#byName.delete(name);
    const names = this.#bySha.get(f.sha256);
    names?.delete(name);
    if (names?.size === 0) this.#bySha.delete(f.sha256);
  }
}
