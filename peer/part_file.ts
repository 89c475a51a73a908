/**
 * A download in progress: `NAME.part` holds the bytes, written in place chunk
 * by chunk, and `NAME.part.json` (see part_state.ts) records which chunks are
 * verified and which are only written, so a download stopped at any point
 * (even by a crash) resumes where it was. A chunk counts as verified, and is
 * served to others, only once its SHA-256 matched the chunk list.
 *
 * Neither file is ever written through a link: a `.part` that is not a plain
 * file with one name (a symbolic link, a hard link to something else, a
 * folder) is never opened for writing.
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { chunkCount, chunkRange, encodeChunkBitmap, hasChunk } from "../shared/chunks.ts";
import { SwapmeetError } from "../shared/errors.ts";
import { InOrderHash } from "./in_order_hash.ts";
import {
  type KeptState,
  keptState,
  type PartTarget,
  readPartState,
  removePartState,
  writePartState,
} from "./part_state.ts";
import { type FileId, fileIdOf, openPlainFile } from "./plain_file.ts";

export type { PartTarget };

const SAVE_EVERY_MS = 500;

/** The `.part` file and its state. */
export class PartFile {
  readonly partPath: string;
  readonly statePath: string;
  readonly target: PartTarget;
  readonly count: number;
  /** Per-chunk SHA-256, once a chunk list matching `target.chunkRoot` was fetched. */
  hashes: string[] | null;
  /** Chunks found on record at open (resumed), verified or not. */
  readonly resumedChunks: number;
  /** The `.part` file as opened: what is served and placed must still be this file. */
  readonly fileId: FileId | undefined;
  readonly #done: Uint8Array;
  readonly #written: Uint8Array;
  #doneCount = 0;
  #presentCount = 0;
  #presentBytes = 0;
  readonly #file: Deno.FsFile;
  /** Where the file's offset is (NaN when unknown): sequential writes need no seek. */
  #position = NaN;
  #writing: Promise<unknown> = Promise.resolve();
  readonly #hash: InOrderHash;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(
    partPath: string,
    target: PartTarget,
    file: Deno.FsFile,
    kept: KeptState,
    fileId: FileId | undefined,
  ) {
    this.partPath = partPath;
    this.fileId = fileId;
    this.statePath = `${partPath}.json`;
    this.target = target;
    this.count = chunkCount(target.size, target.chunkSize);
    this.#file = file;
    this.hashes = kept.hashes;
    this.#done = kept.done;
    this.#written = kept.written;
    for (let i = 0; i < this.count; i++) {
      if (hasChunk(this.#done, i)) this.#doneCount++;
      if (this.isPresent(i)) this.#count(i, 1);
    }
    this.resumedChunks = this.#presentCount;
    this.#hash = new InOrderHash(this.count, target.size);
  }

  /**
   * Opens `NAME.part` in `dir` for `target`, resuming when its state is for
   * the same content. A `.part` that belongs to other content, or that is not
   * a plain file, is left alone and `NAME.<sha8>.part` is used instead. A
   * saved chunk list is kept only for the same chunk root; with another, the
   * chunks on record are checked again against the new list.
   */
  static async open(dir: string, name: string, target: PartTarget): Promise<PartFile> {
    const count = chunkCount(target.size, target.chunkSize);
    for (const candidate of [`${name}.part`, `${name}.${target.sha256.slice(0, 8)}.part`]) {
      const partPath = join(dir, candidate);
      const state = await readPartState(`${partPath}.json`, count);
      const same = state !== null && state.target.sha256 === target.sha256 &&
        state.target.size === target.size && state.target.chunkSize === target.chunkSize;
      if (state && !same) continue; // another file's download: never touch it
      const file = await openPlainFile(partPath);
      if (!file) continue;
      // Pre-size (and cut a stale longer file); writes report real disk errors anyway.
      await file.truncate(target.size).catch(() => {});
      const id = fileIdOf(await file.stat());
      return new PartFile(partPath, target, file, keptState(state, target, count), id);
    }
    throw new SwapmeetError(`Two other downloads already use the name ${name}.part`);
  }

  /** Whether chunk `i` is verified and written. */
  isDone(i: number): boolean {
    return hasChunk(this.#done, i);
  }

  /** Whether chunk `i` is written (verified or not). */
  isPresent(i: number): boolean {
    return hasChunk(this.#done, i) || hasChunk(this.#written, i);
  }

  /** Verified chunks. */
  get doneCount(): number {
    return this.#doneCount;
  }

  /** Chunks written, verified or not. */
  get presentCount(): number {
    return this.#presentCount;
  }

  /** Bytes in chunks written (verified or not). */
  get presentBytes(): number {
    return this.#presentBytes;
  }

  /** The verified chunks as a chunk bitmap in base64 (CHUNK_LIST's `have`). */
  haveBitmap(): string {
    return encodeChunkBitmap(this.#done);
  }

  /** Whether every chunk that bytes `offset` … `offset + length` touch is verified. */
  covers(offset: number, length: number): boolean {
    if (this.#closed || length <= 0 || offset + length > this.target.size) return false;
    const first = Math.floor(offset / this.target.chunkSize);
    const last = Math.floor((offset + length - 1) / this.target.chunkSize);
    for (let i = first; i <= last; i++) if (!this.isDone(i)) return false;
    return true;
  }

  /** A buffer for chunk `i` (recycled from the hashing thread when possible). */
  chunkBuffer(i: number): Uint8Array {
    return this.#hash.buffer(chunkRange(i, this.target.size, this.target.chunkSize).length);
  }

  /**
   * Writes chunk `i` in place and records it, as verified (its hash was
   * checked) or as written only (to be checked with the whole file). The
   * state is saved within 0.5 s. The buffer is handed to the hash: do not
   * reuse it.
   */
  async writeChunk(i: number, bytes: Uint8Array, verified: boolean): Promise<void> {
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
    if (this.isPresent(i)) return;
    setBit(verified ? this.#done : this.#written, i);
    if (verified) this.#doneCount++;
    this.#count(i, 1);
    this.#hash.feed(i, bytes);
    this.#saveTimer ??= setTimeout(() => {
      this.#saveTimer = undefined;
      if (!this.#closed) this.saveState().catch(() => {});
    }, SAVE_EVERY_MS);
  }

  /**
   * Checks written chunks against the chunk list (with `all`, verified ones
   * too, as on resume): those that match become verified, the others are
   * forgotten. Returns the chunks that failed.
   */
  async check(all = false): Promise<number[]> {
    if (!this.hashes) return [];
    const failed: number[] = [];
    for (let i = 0; i < this.count; i++) {
      if (!(hasChunk(this.#written, i) || (all && hasChunk(this.#done, i)))) continue;
      const bytes = await this.#readChunk(i);
      const wasDone = hasChunk(this.#done, i);
      clearBit(this.#written, i);
      clearBit(this.#done, i);
      if (createHash("sha256").update(bytes).digest("hex") === this.hashes[i]) {
        setBit(this.#done, i);
        if (!wasDone) this.#doneCount++;
      } else {
        if (wasDone) this.#doneCount--;
        this.#count(i, -1);
        failed.push(i);
      }
    }
    return failed;
  }

  /** The whole file's SHA-256 matched: every written chunk is verified with it. */
  markAllVerified(): void {
    for (let b = 0; b < this.#done.length; b++) this.#done[b] |= this.#written[b];
    this.#written.fill(0);
    this.#doneCount = this.#presentCount;
  }

  /** Finishes the whole-file SHA-256 (reading from disk only what is not in memory). */
  async wholeHash(): Promise<string> {
    await this.#writing;
    return await this.#hash.digest((i) => this.#readChunk(i));
  }

  /** Starts the whole-file SHA-256 over (after one that did not match). */
  restartWholeHash(): void {
    this.#hash.restart();
  }

  /** Writes the state file now (after any write of it still under way). */
  saveState(): Promise<void> {
    const save = this.#saving.then(() =>
      writePartState(this.statePath, {
        target: this.target,
        hashes: this.hashes,
        done: this.#done,
        written: this.#written,
      })
    );
    this.#saving = save.catch(() => {});
    return save;
  }

  /**
   * Closes the file (once). `keep`: write the state for a later resume;
   * `done`: remove the state (the download is complete); `discard`: remove the
   * state and the bytes (they are wrong). Nothing written: nothing is kept.
   */
  async close(how: "keep" | "done" | "discard"): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hash.close();
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    await this.#writing;
    await this.#saving; // a save under way must not bring the state back after it is removed
    this.#file.close();
    if (how === "keep" && this.presentCount === 0) how = "discard";
    if (how === "keep") await this.saveState().catch(() => {});
    else await removePartState(this.statePath);
    if (how === "discard") await Deno.remove(this.partPath).catch(() => {});
  }

  /** Counts chunk `i` in (+1) or out (-1) of the chunks written. */
  #count(i: number, sign: 1 | -1): void {
    this.#presentCount += sign;
    this.#presentBytes += sign * chunkRange(i, this.target.size, this.target.chunkSize).length;
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

function setBit(bits: Uint8Array, i: number): void {
  bits[i >> 3] |= 1 << (i & 7);
}

function clearBit(bits: Uint8Array, i: number): void {
  bits[i >> 3] &= ~(1 << (i & 7));
}
