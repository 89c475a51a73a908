/**
 * The open connections of a listening service, counted in all and per
 * address, with how long each has been idle: decides whether a new
 * connection is admitted, refused, or (with `makeRoom`) admitted by closing
 * an idle one. Pure: the caller passes the time and closes what is evicted.
 * @module
 */

/** What a connection's handler tells the table (given to it by serveTcp). */
export interface ConnectionActivity {
  /** The connection did useful work just now: it counts as idle from now. */
  used(): void;
  /** While busy (e.g. sending file bytes) a connection is never closed to make room. */
  setBusy(busy: boolean): void;
}

/** The table's answer to a new connection from some address. */
export type Admission<C> =
  | { admit: true; evict?: C }
  | { admit: false; reason: "full" | "address" };

interface Entry<C> {
  conn: C;
  host: string;
  idleSince: number;
  busy: boolean;
}

/** Options of a ConnectionTable. */
export interface ConnectionTableOptions {
  /** Open connections in all. */
  max: number;
  /** Open connections from one address. */
  maxPerAddress: number;
  /**
   * When the table is full, admit a connection by closing the longest-idle
   * one (not busy) of the address with the most connections, provided that
   * address has more than the newcomer's has. Otherwise a full table refuses.
   */
  makeRoom?: boolean;
  /** The clock (default Date.now; tests pass their own). */
  now?: () => number;
}

/** Connections by owner, per address. */
export class ConnectionTable<C> {
  readonly #options: ConnectionTableOptions;
  readonly #now: () => number;
  readonly #entries = new Map<C, Entry<C>>();
  readonly #perAddress = new Map<string, number>();

  constructor(options: ConnectionTableOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Connections in the table (an evicted one leaves it at once). */
  get size(): number {
    return this.#entries.size;
  }

  /** Connections in the table from `host`. */
  count(host: string): number {
    return this.#perAddress.get(host) ?? 0;
  }

  /**
   * Whether a connection from `host` may join now, and which connection to
   * close for it. The evicted connection has left the table already.
   */
  admit(host: string): Admission<C> {
    if (this.count(host) >= this.#options.maxPerAddress) return { admit: false, reason: "address" };
    if (this.#entries.size < this.#options.max) return { admit: true };
    const victim = this.#options.makeRoom ? this.#victim(host) : undefined;
    if (victim === undefined) return { admit: false, reason: "full" };
    this.remove(victim);
    return { admit: true, evict: victim };
  }

  /** Adds an admitted connection, idle from now; its handler reports through the answer. */
  add(conn: C, host: string): ConnectionActivity {
    const entry: Entry<C> = { conn, host, idleSince: this.#now(), busy: false };
    this.#entries.set(conn, entry);
    this.#perAddress.set(host, this.count(host) + 1);
    return {
      used: () => {
        entry.idleSince = this.#now();
      },
      setBusy: (busy) => {
        entry.busy = busy;
        if (!busy) entry.idleSince = this.#now();
      },
    };
  }

  /** Takes a connection out (its handler ended, or it was evicted). Safe to call twice. */
  remove(conn: C): void {
    const entry = this.#entries.get(conn);
    if (!entry) return;
    this.#entries.delete(conn);
    const n = this.count(entry.host) - 1;
    if (n === 0) this.#perAddress.delete(entry.host);
    else this.#perAddress.set(entry.host, n);
  }

  /**
   * The longest-idle connection that is not busy, of the address with the
   * most connections (ties: the longer idle), if that address has more
   * connections than `host`.
   */
  #victim(host: string): C | undefined {
    const oldest = new Map<string, Entry<C>>();
    for (const e of this.#entries.values()) {
      if (e.busy) continue;
      const o = oldest.get(e.host);
      if (!o || e.idleSince < o.idleSince) oldest.set(e.host, e);
    }
    const mine = this.count(host);
    let best: Entry<C> | undefined;
    let bestCount = 0;
    for (const [address, e] of oldest) {
      const n = this.count(address);
      if (n <= mine) continue;
      if (!best || n > bestCount || (n === bestCount && e.idleSince < best.idleSince)) {
        best = e;
        bestCount = n;
      }
    }
    return best?.conn;
  }
}
