/**
 * The whole-file SHA-256 of a download, fed with chunks as they are written:
 * chunks that come in order go straight in, chunks ahead of the gap are held
 * (up to a budget), and whatever is not in memory at the end is read back
 * from disk. Big files are hashed on a worker thread.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { BackgroundHash } from "./background_hash.ts";

/** Bytes of out-of-order chunks held for the hash; beyond this they are read back at the end. */
const HELD_BYTES_MAX = 64 * 1024 * 1024;
/** Files at least this big are hashed on a worker thread (it costs a few ms to start). */
const BACKGROUND_HASH_MIN = 32 * 1024 * 1024;

/** A running SHA-256 over chunks 0, 1, 2, … fed in any order. */
export class InOrderHash {
  readonly #count: number;
  readonly #background: boolean;
  #hash: Hash | BackgroundHash;
  #cursor = 0;
  readonly #held = new Map<number, Uint8Array>();
  #heldBytes = 0;

  constructor(count: number, size: number) {
    this.#count = count;
    this.#background = size >= BACKGROUND_HASH_MIN;
    this.#hash = this.#fresh();
  }

  /** A buffer of `length` bytes for a chunk (recycled from the hashing thread when possible). */
  buffer(length: number): Uint8Array {
    return this.#hash instanceof BackgroundHash
      ? this.#hash.buffer(length)
      : new Uint8Array(length);
  }

  /**
   * Feeds chunk `i`. On a worker thread the buffer is handed over: the caller
   * must be done with it (written to disk).
   */
  feed(i: number, bytes: Uint8Array): void {
    if (i === this.#cursor) {
      this.#hash.update(bytes);
      this.#cursor++;
      for (let held = this.#held.get(this.#cursor); held; held = this.#held.get(this.#cursor)) {
        this.#hash.update(held);
        this.#held.delete(this.#cursor);
        this.#heldBytes -= held.length;
        this.#cursor++;
      }
    } else if (i > this.#cursor && this.#heldBytes + bytes.length <= HELD_BYTES_MAX) {
      this.#held.set(i, bytes);
      this.#heldBytes += bytes.length;
    }
  }

  /** The hex digest, reading with `read` the chunks that were not fed or held. */
  async digest(read: (i: number) => Promise<Uint8Array>): Promise<string> {
    for (; this.#cursor < this.#count; this.#cursor++) {
      const held = this.#held.get(this.#cursor);
      this.#hash.update(held ?? await read(this.#cursor));
      this.#held.delete(this.#cursor);
    }
    this.#heldBytes = 0;
    return this.#hash instanceof BackgroundHash
      ? await this.#hash.digest()
      : this.#hash.digest("hex");
  }

  /** Starts over from chunk 0 (after a digest that did not match). */
  restart(): void {
    this.close();
    this.#hash = this.#fresh();
    this.#cursor = 0;
    this.#held.clear();
    this.#heldBytes = 0;
  }

  /** Stops the hashing thread, if any. */
  close(): void {
    if (this.#hash instanceof BackgroundHash) this.#hash.close();
  }

  #fresh(): Hash | BackgroundHash {
    return this.#background ? new BackgroundHash() : createHash("sha256");
  }
}
