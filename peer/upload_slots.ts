/**
 * Upload slots: at most N downloader connections are served at once; the rest
 * wait in a FIFO queue and learn their position (BUSY).
 * @module
 */

/** Result of asking for a slot. */
export type SlotAnswer = { granted: true } | { granted: false; position: number };

/** FIFO slot allocator keyed by owner (one per downloader connection). */
export class UploadSlots<Owner> {
  readonly size: number;
  readonly #holders = new Set<Owner>();
  readonly #queue: Owner[] = [];

  constructor(size: number) {
    if (!(size >= 1)) throw new RangeError("There must be at least one upload slot");
    this.size = size;
  }

  /** Owners currently holding a slot. */
  get inUse(): number {
    return this.#holders.size;
  }

  /** Owners waiting. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Grants a slot when one is free and no earlier owner waits for it; else queues the owner. */
  acquire(owner: Owner): SlotAnswer {
    if (this.#holders.has(owner)) return { granted: true };
    const free = this.size - this.#holders.size;
    let at = this.#queue.indexOf(owner);
    if (at < 0 && free > 0 && this.#queue.length < free) at = -2; // nobody ahead: take it now
    if (at === -2 || (at >= 0 && at < free)) {
      if (at >= 0) this.#queue.splice(at, 1);
      this.#holders.add(owner);
      return { granted: true };
    }
    if (at < 0) at = this.#queue.push(owner) - 1;
    return { granted: false, position: at + 1 };
  }

  /** Frees the owner's slot or queue place. */
  release(owner: Owner): void {
    this.#holders.delete(owner);
    const at = this.#queue.indexOf(owner);
    if (at >= 0) this.#queue.splice(at, 1);
  }
}
