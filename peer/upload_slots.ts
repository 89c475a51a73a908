/**
 * Upload slots: at most N downloader connections are served at once, and at
 * most M of them from one address (so one machine cannot take every slot);
 * the rest wait in a FIFO queue and learn their position (BUSY). A queued
 * downloader that stops asking loses its place, so no slot stays reserved for
 * someone who went away. A slot is held for one request; a holder that has
 * waited on its downloader (writes not taken) for longer than `slowMs` within
 * its request is evicted when somebody is waiting for a slot, one per waiting
 * downloader, so a slow reader cannot keep others out. Pure: the caller
 * passes the time and closes what is evicted.
 * @module
 */

/** Result of asking for a slot. */
export type SlotAnswer = { granted: true } | { granted: false; position: number };

interface Waiting<Owner> {
  owner: Owner;
  address?: string;
  askedAt: number;
}

interface Holding {
  address?: string;
  /** Time its writes waited on the downloader during this request, ms… */
  waitedMs: number;
  /** …and when the write in progress started (NaN: none). */
  writingSince: number;
}

/** Options of UploadSlots. */
export interface UploadSlotsOptions<Owner> {
  /** Most slots held from one address (default half the slots, at least 1). */
  perAddress?: number;
  /** A queued owner that has not asked again for this long loses its place (default 10 s). */
  staleMs?: number;
  /** A holder that waited on its downloader this long in one request may be evicted (default 20 s). */
  slowMs?: number;
  /** Called with each holder evicted (its slot is already free): close its connection. */
  evict?: (owner: Owner) => void;
}

/** FIFO slot allocator keyed by owner (one per downloader connection). */
export class UploadSlots<Owner> {
  readonly size: number;
  /** Most slots held from one address. */
  readonly perAddress: number;
  /** A queued owner that has not asked again for this long loses its place. */
  readonly staleMs: number;
  /** Waiting on its downloader this long in one request makes a holder evictable. */
  readonly slowMs: number;
  readonly #evict: (owner: Owner) => void;
  readonly #holders = new Map<Owner, Holding>();
  readonly #byAddress = new Map<string, number>();
  #queue: Waiting<Owner>[] = [];

  constructor(size: number, options: UploadSlotsOptions<Owner> = {}) {
    if (!(size >= 1)) throw new RangeError("There must be at least one upload slot");
    this.size = size;
    this.perAddress = options.perAddress ?? Math.max(1, Math.floor(size / 2));
    this.staleMs = options.staleMs ?? 10_000;
    this.slowMs = options.slowMs ?? 20_000;
    this.#evict = options.evict ?? (() => {});
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
   * owner (or keeps its place) and tells its position, first evicting slow
   * holders (see the module) while fewer slots are free than owners wait that
   * could take one. Without an address an owner counts as its own address.
   */
  acquire(owner: Owner, address?: string, now = Date.now()): SlotAnswer {
    if (this.#holders.has(owner)) return { granted: true };
    this.#queue = this.#queue.filter((w) => w.owner === owner || now - w.askedAt <= this.staleMs);
    let me = this.#queue.find((w) => w.owner === owner);
    if (!me) this.#queue.push(me = { owner, address, askedAt: now });
    me.askedAt = now;
    if (this.#grant(me)) return { granted: true };
    if (this.#evictSlow(now) && this.#grant(me)) return { granted: true };
    return { granted: false, position: this.#queue.indexOf(me) + 1 };
  }

  /** The holder's send started a write (call before each write of file data). */
  writeStarted(owner: Owner, now = Date.now()): void {
    const h = this.#holders.get(owner);
    if (h) h.writingSince = now;
  }

  /** That write was taken by the downloader. */
  writeEnded(owner: Owner, now = Date.now()): void {
    const h = this.#holders.get(owner);
    if (!h || Number.isNaN(h.writingSince)) return;
    h.waitedMs += now - h.writingSince;
    h.writingSince = NaN;
  }

  /** Frees the owner's slot or queue place. */
  release(owner: Owner): void {
    const holding = this.#holders.get(owner);
    if (holding) {
      this.#holders.delete(owner);
      const address = holding.address;
      if (address !== undefined) {
        const n = this.#held(address) - 1;
        if (n === 0) this.#byAddress.delete(address);
        else this.#byAddress.set(address, n);
      }
    }
    this.#queue = this.#queue.filter((w) => w.owner !== owner);
  }

  /** Gives `me` a slot when it may have one now (see acquire). */
  #grant(me: Waiting<Owner>): boolean {
    const free = this.size - this.#holders.size;
    let ahead = 0; // earlier owners that could take a free slot now
    for (const w of this.#queue) {
      if (ahead >= free) break;
      if (!this.#mayHold(w.address)) continue;
      if (w === me) {
        this.#queue.splice(this.#queue.indexOf(me), 1);
        this.#holders.set(me.owner, { address: me.address, waitedMs: 0, writingSince: NaN });
        if (me.address !== undefined) this.#byAddress.set(me.address, this.#held(me.address) + 1);
        return true;
      }
      ahead++;
    }
    return false;
  }

  /**
   * Evicts the slowest holders past `slowMs` while fewer slots are free than
   * queued owners that could take one. True when it evicted any.
   */
  #evictSlow(now: number): boolean {
    const waitedMs = (h: Holding) =>
      h.waitedMs + (Number.isNaN(h.writingSince) ? 0 : now - h.writingSince);
    const slow = [...this.#holders].filter(([, h]) => waitedMs(h) > this.slowMs);
    if (slow.length === 0) return false;
    slow.sort((a, b) => waitedMs(b[1]) - waitedMs(a[1]));
    let wanting = 0; // queued owners that could hold a slot, counting each address's room
    const room = new Map<string, number>();
    for (const w of this.#queue) {
      if (w.address === undefined) wanting++;
      else {
        const left = room.get(w.address) ?? this.perAddress - this.#held(w.address);
        if (left > 0) wanting++;
        room.set(w.address, left - 1);
      }
    }
    let evicted = false;
    for (const [owner] of slow) {
      if (this.size - this.#holders.size >= wanting) break;
      this.release(owner);
      this.#evict(owner);
      evicted = true;
    }
    return evicted;
  }

  #held(address: string): number {
    return this.#byAddress.get(address) ?? 0;
  }

  #mayHold(address: string | undefined): boolean {
    return address === undefined || this.#held(address) < this.perAddress;
  }
}
