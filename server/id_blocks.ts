/**
 * Peer IDs a server took from its network in blocks (one Redis counter, so
 * no two servers get the same), handed out in order: a HELLO needs no round
 * trip to Redis, and a server whose Redis is away still admits peers while
 * its block lasts. Pure; no I/O.
 * @module
 */

/** Peer IDs per block. */
export const ID_BLOCK = 64;

/**
 * Blocks of peer IDs, first taken first given.
 *
 * @example
 * ```ts
 * const ids = new IdBlocks();
 * ids.add(65, 128);
 * ids.take(); // 65
 * ```
 */
export class IdBlocks {
  /** [next, last] of each block, in the order taken. */
  #blocks: [number, number][] = [];

  /** IDs left. */
  get left(): number {
    return this.#blocks.reduce((n, [next, last]) => n + last - next + 1, 0);
  }

  /** Adds the IDs `first` to `last`. */
  add(first: number, last: number): void {
    if (last >= first) this.#blocks.push([first, last]);
  }

  /** The next ID, or undefined when none is left. */
  take(): number | undefined {
    const block = this.#blocks[0];
    if (!block) return undefined;
    const id = block[0]++;
    if (block[0] > block[1]) this.#blocks.shift();
    return id;
  }

  /** Forgets every ID left (after Redis lost the counter they were taken from). */
  clear(): void {
    this.#blocks = [];
  }
}
