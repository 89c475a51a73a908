/**
 * Upload slots: at most N downloader connections are served at once, and at
 * most M of them from one address (so one machine cannot take every slot);
 * the rest wait in a FIFO queue and learn their position (BUSY). A queued
 * downloader that stops asking loses its place, so no slot stays reserved for
 * someone who went away. Pure: the caller passes the time.
 * @module
 */

/** Result of asking for a slot. */
export type SlotAnswer = { granted: true } | { granted: false; position: number };

interface Waiting<Owner> {
  owner: Owner;
  address?: string;
  askedAt: number;
}

/** FIFO slot allocator keyed by owner (one per downloader connection). */
export class UploadSlots<Owner> {
  readonly size: number;
  /** Most slots held from one address. */
  readonly perAddress: number;
  /** A queued owner that has not asked again for this long loses its place. */
  readonly staleMs: number;
  readonly #holders = new Map<Owner, string | undefined>();
  readonly #byAddress = new Map<string, number>();
  #queue: Waiting<Owner>[] = [];

  constructor(size: number, options: { perAddress?: number; staleMs?: number } = {}) {
    if (!(size >= 1)) throw new RangeError("There must be at least one upload slot");
    this.size = size;
    this.perAddress = options.perAddress ?? Math.max(1, Math.floor(size / 2));
    this.staleMs = options.staleMs ?? 10_000;
  }

  /** Owners currently holding a slot. */
  get inUse(): number {
    return this.#holders.size;
  }

  /** Owners waiting. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Grants a slot when one is free, no earlier owner that could use it waits,
   * and the owner's address holds fewer than `perAddress`; else queues the
   * owner (or keeps its place) and tells its position. Without an address an
   * owner counts as its own address.
   */
  acquire(owner: Owner, address?: string, now = Date.now()): SlotAnswer {
    if (this.#holders.has(owner)) return { granted: true };
    this.#queue = this.#queue.filter((w) => w.owner === owner || now - w.askedAt <= this.staleMs);
    let me = this.#queue.find((w) => w.owner === owner);
    if (!me) this.#queue.push(me = { owner, address, askedAt: now });
    me.askedAt = now;
    const free = this.size - this.#holders.size;
    let ahead = 0; // earlier owners that could take a free slot now
    for (const w of this.#queue) {
      if (ahead >= free) break;
      if (!this.#mayHold(w.address)) continue;
      if (w === me) {
        this.#queue.splice(this.#queue.indexOf(me), 1);
        this.#holders.set(owner, address);
        if (address !== undefined) this.#byAddress.set(address, this.#held(address) + 1);
        return { granted: true };
      }
      ahead++;
    }
    return { granted: false, position: this.#queue.indexOf(me) + 1 };
  }

  /** Frees the owner's slot or queue place. */
  release(owner: Owner): void {
    if (this.#holders.has(owner)) {
      const address = this.#holders.get(owner);
      this.#holders.delete(owner);
      if (address !== undefined) {
        const n = this.#held(address) - 1;
        if (n === 0) this.#byAddress.delete(address);
        else this.#byAddress.set(address, n);
      }
    }
    this.#queue = this.#queue.filter((w) => w.owner !== owner);
  }

  #held(address: string): number {
    return this.#byAddress.get(address) ?? 0;
  }

  #mayHold(address: string | undefined): boolean {
    return address === undefined || this.#held(address) < this.perAddress;
  }
}
