/**
 * The forward index: for each file id, the ids of the tokens in its name and
 * keywords, packed in one Int32Array as [count, token…] (4 bytes a token plus
 * 8 a file). It lets a search test "does this file have a token containing X"
 * with two array reads and a short loop instead of lower-casing and scanning
 * the file's text. A pure data structure; no I/O.
 * @module
 */
import { grown } from "./typed_arrays.ts";

/** Token ids by file id, in one pool that is compacted when half of it is garbage. */
export class FileTokens {
  /** Where each file's entry starts in the pool; 0 (the empty entry) when it has none. */
  #start = new Int32Array(1024);
  #pool = new Int32Array(4096);
  #used = 1; // pool[0] = 0: the shared empty entry
  #live = 1;

  /** Records the tokens of `file`, replacing any it had. */
  set(file: number, tokens: readonly number[]): void {
    if (file >= this.#start.length) this.#grow(file);
    this.delete(file);
    if (tokens.length === 0) return;
    const n = tokens.length + 1;
    if (this.#used + n > this.#pool.length) this.#makeRoom(n);
    const at = this.#used;
    this.#pool[at] = tokens.length;
    for (let i = 0; i < tokens.length; i++) this.#pool[at + 1 + i] = tokens[i];
    this.#start[file] = at;
    this.#used += n;
    this.#live += n;
  }

  /** The token ids of `file` (a view; valid until the next change). Empty when unknown. */
  get(file: number): Int32Array {
    const at = file < this.#start.length ? this.#start[file] : 0;
    return this.#pool.subarray(at + 1, at + 1 + this.#pool[at]);
  }

  /** Forgets the tokens of `file`. */
  delete(file: number): void {
    if (file >= this.#start.length) return;
    const at = this.#start[file];
    this.#live -= at === 0 ? 0 : this.#pool[at] + 1;
    this.#start[file] = 0;
  }

  /**
   * True when, for every bit of `all`, some token of `file` has that bit in
   * `marks` (indexed by token id). The search's per-candidate test.
   */
  covers(file: number, marks: Uint32Array, all: number): boolean {
    const pool = this.#pool;
    const at = this.#start[file];
    const end = at + 1 + pool[at];
    let seen = 0;
    for (let i = at + 1; i < end; i++) seen |= marks[pool[i]];
    return (seen & all) === all;
  }

  #grow(file: number): void {
    this.#start = grown(this.#start, Math.max(file + 1, this.#start.length * 2));
  }

  /** Compacts the pool when at least half of it is garbage, else grows it. */
  #makeRoom(n: number): void {
    const grow = this.#live * 2 > this.#used ? 2 : 1;
    const pool = new Int32Array(Math.max(this.#pool.length * grow, this.#live + n + 1024));
    let used = 1;
    for (let f = 0; f < this.#start.length; f++) {
      const at = this.#start[f];
      if (at === 0) continue;
      const len = this.#pool[at] + 1;
      pool.set(this.#pool.subarray(at, at + len), used);
      this.#start[f] = used;
      used += len;
    }
    this.#pool = pool;
    this.#used = used;
    this.#live = used;
  }
}
