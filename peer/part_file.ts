/**
 * A download in progress: `NAME.part` holds the bytes, written in place chunk
 * by chunk, and `NAME.part.json` records which chunks are verified, so a
 * download stopped at any point (even by a crash) resumes where it was.
 * Verified chunks also feed the whole-file SHA-256 in order, so the final
 * check needs no second pass over bytes already in memory.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { join } from "node:path";
import { chunkCount, chunkRange, decodeChunkBitmap, encodeChunkBitmap } from "../shared/chunks.ts";
import { BackgroundHash } from "./background_hash.ts";

/** What identifies the file being downloaded. */
export interface PartTarget {
  sha256: string;
  size: number;
  chunkSize: number;
}

interface State {
  version: 1;
  sha256: string;
  size: number;
  chunkSize: number;
  hashes: string[] | null;
  done: string; // bitmap, base64
}

const HELD_BYTES_MAX = 64 * 1024 * 1024;
/** Files at least this big are hashed on a worker thread (it costs a few ms to start). */
const BACKGROUND_HASH_MIN = 32 * 1024 * 1024;
const SAVE_EVERY_MS = 500;

/** The `.part` file and its state. */
export class PartFile {
  readonly partPath: string;
  readonly statePath: string;
  readonly target: PartTarget;
  readonly count: number;
  /** Per-chunk SHA-256 when known (from a verified chunk list). */
  hashes: string[] | null;
  /** Chunks found verified at open (resumed). */
  readonly resumedChunks: number;
  readonly #done: Uint8Array;
  readonly #file: Deno.FsFile;
  /** Where the file's offset is (NaN when unknown): sequential writes need no seek. */
  #position = NaN;
  #writing: Promise<unknown> = Promise.resolve();
  #whole: Hash | BackgroundHash;
  #cursor = 0;
  readonly #held = new Map<number, Uint8Array>();
  #heldBytes = 0;
  #doneCount = 0;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  private constructor(
    partPath: string,
    target: PartTarget,
    file: Deno.FsFile,
    state: State | null,
  ) {
    this.partPath = partPath;
    this.statePath = `${partPath}.json`;
    this.target = target;
    this.count = chunkCount(target.size, target.chunkSize);
    this.#file = file;
    this.hashes = state?.hashes ?? null;
    this.#done = state
      ? decodeChunkBitmap(state.done, this.count)
      : new Uint8Array(Math.ceil(this.count / 8));
    for (let i = 0; i < this.count; i++) if (this.isDone(i)) this.#doneCount++;
    this.resumedChunks = this.#doneCount;
    this.#whole = target.size >= BACKGROUND_HASH_MIN ? new BackgroundHash() : createHash("sha256");
  }

  /** A buffer for chunk `i` (recycled from the hashing thread when possible). */
  chunkBuffer(i: number): Uint8Array {
    const { length } = chunkRange(i, this.target.size, this.target.chunkSize);
    return this.#whole instanceof BackgroundHash
      ? this.#whole.buffer(length)
      : new Uint8Array(length);
  }

  /**
   * Opens `NAME.part` in `dir` for `target`, resuming when its state file is
   * for the same content. A `.part` that belongs to other content is left alone
   * and `NAME.<sha8>.part` is used instead.
   */
  static async open(dir: string, name: string, target: PartTarget): Promise<PartFile> {
    for (const candidate of [`${name}.part`, `${name}.${target.sha256.slice(0, 8)}.part`]) {
      const partPath = join(dir, candidate);
      const state = await readState(`${partPath}.json`);
      const mine = state && state.sha256 === target.sha256 && state.size === target.size &&
        state.chunkSize === target.chunkSize;
      if (state && !mine) continue; // another file's download: never touch it
      const file = await Deno.open(partPath, { read: true, write: true, create: true });
      // Pre-size (and cut a stale longer file); writes report real disk errors anyway.
      await file.truncate(target.size).catch(() => {});
      return new PartFile(partPath, target, file, mine ? state : null);
    }
    throw new Error(`Two other downloads already use the name ${name}.part`);
  }

  /** Whether chunk `i` is verified and written. */
  isDone(i: number): boolean {
    return (this.#done[i >> 3] & (1 << (i & 7))) !== 0;
  }

  /** The verified chunks as a chunk bitmap in base64 (CHUNK_LIST's `have`). */
  haveBitmap(): string {
    return encodeChunkBitmap(this.#done);
  }

  /** Whether every chunk that bytes `offset` … `offset + length` touch is verified and written. */
  covers(offset: number, length: number): boolean {
    if (this.#closed || length <= 0 || offset + length > this.target.size) return false;
    const first = Math.floor(offset / this.target.chunkSize);
    const last = Math.floor((offset + length - 1) / this.target.chunkSize);
    for (let i = first; i <= last; i++) if (!this.isDone(i)) return false;
    return true;
  }

  /** Verified chunks so far. */
  get doneCount(): number {
    return this.#doneCount;
  }

  /** Bytes in verified chunks. */
  get doneBytes(): number {
    let bytes = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.isDone(i)) bytes += chunkRange(i, this.target.size, this.target.chunkSize).length;
    }
    return bytes;
  }

  /** Re-reads chunks recorded as done and forgets those whose hash no longer matches. */
  async recheckResumed(): Promise<number> {
    if (!this.hashes) return 0;
    let dropped = 0;
    for (let i = 0; i < this.count; i++) {
      if (!this.isDone(i)) continue;
      const bytes = await this.#readChunk(i);
      if (createHash("sha256").update(bytes).digest("hex") !== this.hashes[i]) {
        this.#done[i >> 3] &= ~(1 << (i & 7));
        this.#doneCount--;
        dropped++;
      }
    }
    return dropped;
  }

  /** Writes a verified chunk in place and records it (state saved within 0.5 s). */
  async writeChunk(i: number, bytes: Uint8Array): Promise<void> {
    const { offset } = chunkRange(i, this.target.size, this.target.chunkSize);
    const write = this.#writing.then(async () => {
      if (this.#position !== offset) await this.#seek(offset);
      for (let off = 0; off < bytes.length;) {
        this.#position = NaN; // until this write is done
        off += await this.#file.write(bytes.subarray(off));
        this.#position = offset + off;
      }
    });
    this.#writing = write.catch(() => {});
    await write;
    if (this.isDone(i)) return;
    this.#done[i >> 3] |= 1 << (i & 7);
    this.#doneCount++;
    this.#feed(i, bytes);
    this.#saveTimer ??= setTimeout(() => {
      this.#saveTimer = undefined;
      if (!this.#closed) this.saveState().catch(() => {});
    }, SAVE_EVERY_MS);
  }

  /** Writes the state file now. */
  async saveState(): Promise<void> {
    const state: State = {
      version: 1,
      sha256: this.target.sha256,
      size: this.target.size,
      chunkSize: this.target.chunkSize,
      hashes: this.hashes,
      done: encodeChunkBitmap(this.#done),
    };
    const tmp = `${this.statePath}.tmp`;
    await Deno.writeTextFile(tmp, JSON.stringify(state));
    await Deno.rename(tmp, this.statePath);
  }

  /** Finishes the whole-file SHA-256 (reading from disk only what is not in memory). */
  async wholeHash(): Promise<string> {
    await this.#writing;
    for (; this.#cursor < this.count; this.#cursor++) {
      const held = this.#held.get(this.#cursor);
      this.#whole.update(held ?? await this.#readChunk(this.#cursor));
      this.#held.delete(this.#cursor);
    }
    return this.#whole instanceof BackgroundHash
      ? await this.#whole.digest()
      : this.#whole.digest("hex");
  }

  /** Forgets every chunk: the bytes written turned out wrong as a whole. */
  reset(): void {
    this.#done.fill(0);
    this.#doneCount = 0;
    if (this.#whole instanceof BackgroundHash) {
      this.#whole.close();
      this.#whole = new BackgroundHash();
    } else this.#whole = createHash("sha256");
    this.#cursor = 0;
    this.#held.clear();
    this.#heldBytes = 0;
  }

  /**
   * Closes the file (once). `keep`: write the state for a later resume;
   * `done`: remove the state (the download is complete); `discard`: remove the
   * state and the bytes (they are wrong).
   */
  async close(how: "keep" | "done" | "discard"): Promise<void> {
    // (an empty download is discarded even when asked to keep it)
    if (this.#closed) return;
    this.#closed = true;
    if (this.#whole instanceof BackgroundHash) this.#whole.close();
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    await this.#writing;
    this.#file.close();
    // Nothing verified yet: nothing worth keeping either.
    if (how === "keep" && this.#doneCount === 0) how = "discard";
    if (how === "keep") await this.saveState().catch(() => {});
    else await Deno.remove(this.statePath).catch(() => {});
    if (how === "discard") await Deno.remove(this.partPath).catch(() => {});
  }

  /** Feeds the whole-file hash in order. A buffer fed to a BackgroundHash is handed over. */
  #feed(i: number, bytes: Uint8Array): void {
    if (i === this.#cursor) {
      this.#whole.update(bytes);
      this.#cursor++;
      for (let held = this.#held.get(this.#cursor); held; held = this.#held.get(this.#cursor)) {
        this.#whole.update(held);
        this.#held.delete(this.#cursor);
        this.#heldBytes -= held.length;
        this.#cursor++;
      }
    } else if (i > this.#cursor && this.#heldBytes + bytes.length <= HELD_BYTES_MAX) {
      this.#held.set(i, bytes);
      this.#heldBytes += bytes.length;
    }
  }

  async #readChunk(i: number): Promise<Uint8Array> {
    const { offset, length } = chunkRange(i, this.target.size, this.target.chunkSize);
    const out = new Uint8Array(length);
    await this.#writing;
    await this.#seek(offset);
    this.#position = NaN;
    for (let off = 0; off < length;) {
      const n = await this.#file.read(out.subarray(off));
      if (n === null) break;
      off += n;
    }
    return out;
  }

  async #seek(offset: number): Promise<void> {
    this.#position = NaN;
    await this.#file.seek(offset, Deno.SeekMode.Start);
    this.#position = offset;
  }
}

async function readState(path: string): Promise<State | null> {
  try {
    const s = JSON.parse(await Deno.readTextFile(path));
    return s?.version === 1 && typeof s.sha256 === "string" && typeof s.done === "string"
      ? s
      : null;
  } catch {
    return null;
  }
}
