/**
 * How many bytes of replies the index server holds waiting for their readers,
 * in all and per address. A client that asks and never reads leaves its reply
 * in the server until the write stall closes it; with this budget, many such
 * clients hold at most the budget (plus a small reply each), not a frame each.
 * Pure bookkeeping; no I/O.
 * @module
 */

/** Replies up to this size (whole frames) are never counted or cut. */
export const SMALL_REPLY_BYTES = 16 * 1024;

/** The caps of a ReplyBudget. */
export interface ReplyBudgetLimits {
  /** Bytes of larger replies waiting to be written, in all. */
  total: number;
  /** The same, for the connections of one address together. */
  perAddress: number;
}

/**
 * Bytes of replies larger than SMALL_REPLY_BYTES that sessions have handed to
 * their connections and that the kernel has not taken yet.
 *
 * @example
 * ```ts
 * const budget = new ReplyBudget({ total: 64 << 20, perAddress: 8 << 20 });
 * const room = budget.room("10.0.0.7"); // cut the reply to this, then:
 * budget.take("10.0.0.7", frame.length);
 * await conn.sendFrame(frame).finally(() => budget.give("10.0.0.7", frame.length));
 * ```
 */
export class ReplyBudget {
  readonly #limits: ReplyBudgetLimits;
  readonly #byAddress = new Map<string, number>();
  #held = 0;

  constructor(limits: ReplyBudgetLimits) {
    this.#limits = limits;
  }

  /** Bytes held now, in all. */
  get held(): number {
    return this.#held;
  }

  /** Bytes held now for the connections of `address`. */
  heldFor(address: string): number {
    return this.#byAddress.get(address) ?? 0;
  }

  /**
   * The largest frame a reply to `address` may be now: what is left of its
   * address's share and of the total, but never less than SMALL_REPLY_BYTES.
   */
  room(address: string): number {
    if (this.#held === 0) return Math.min(this.#limits.total, this.#limits.perAddress); // no lookup
    const left = Math.min(
      this.#limits.total - this.#held,
      this.#limits.perAddress - this.heldFor(address),
    );
    return Math.max(SMALL_REPLY_BYTES, left);
  }

  /** Counts `bytes` as held for `address` (until give). */
  take(address: string, bytes: number): void {
    this.#held += bytes;
    this.#byAddress.set(address, this.heldFor(address) + bytes);
  }

  /** Gives back what take counted. */
  give(address: string, bytes: number): void {
    this.#held -= bytes;
    const left = this.heldFor(address) - bytes;
    if (left > 0) this.#byAddress.set(address, left);
    else this.#byAddress.delete(address);
  }
}
