/**
 * Which holder gets which chunk. A pure scheduler (no I/O, no timers: the
 * caller passes the time): each holder asks for its next request and reports
 * what became of it. Rules:
 * - lowest missing chunk first, in runs of consecutive chunks (`span`);
 * - a holder still downloading the file is given only the chunks it has;
 * - BUSY backs a holder off (growing, with jitter) and its chunks go back to
 *   the others at once;
 * - a failed or dropped holder's chunks go back to the others;
 * - endgame: when nothing is left to hand out, an idle holder is also asked
 *   for a chunk another holder has in flight (at most `maxCopies` at once), so
 *   one slow or hung holder cannot hold back a download that is otherwise done.
 * @module
 */
import { hasChunk } from "../shared/chunks.ts";

/** What a holder should do next. */
export type Next =
  /** Ask this holder for these consecutive chunks. */
  | { kind: "run"; chunks: number[] }
  /**
   * Nothing for this holder now. `busy`: it is backed off for `ms`; `have`:
   * it lacks every missing chunk (ask it again which it has after `ms`);
   * `none`: every missing chunk is in flight elsewhere (wait for news).
   */
  | { kind: "wait"; reason: "busy" | "have" | "none"; ms: number }
  /** Every chunk is here. */
  | { kind: "done" };

/** Tuning of a ChunkScheduler. */
export interface SchedulerOptions {
  /** Most consecutive chunks in one request (default 1). */
  span?: number;
  /** First back-off after BUSY (default 250 ms), doubled per BUSY in a row… */
  busyInitialMs?: number;
  /**
   * …up to this (default 4 s). The jitter is 0.5 to 1.5 times, so a holder is
   * asked again within 6 s: before it drops the queue place (10 s, upload_slots.ts).
   */
  busyMaxMs?: number;
  /** How long before a holder that lacks every missing chunk is asked again (default 1 s). */
  haveRefreshMs?: number;
  /** Most holders asked for the same chunk at once in the endgame (default 2). */
  maxCopies?: number;
  random?: () => number;
}

const WANTED = 0;
const IN_FLIGHT = 1;
const PRESENT = 2;

interface HolderState {
  /** Chunks it has (null: all). */
  have: Uint8Array | null;
  inFlight: Set<number>;
  backoffUntil: number;
  busyInARow: number;
  delivered: number;
}

/** Hands out the missing chunks of one download to its holders. */
export class ChunkScheduler {
  readonly count: number;
  readonly #state: Uint8Array;
  /** Holders asked for each chunk right now. */
  readonly #copies: Uint8Array;
  readonly #holders = new Map<number, HolderState>();
  readonly #span: number;
  readonly #busyInitial: number;
  readonly #busyMax: number;
  readonly #haveRefresh: number;
  readonly #maxCopies: number;
  readonly #random: () => number;
  #present = 0;
  /** No chunk below this index is wanted… */
  #low = 0;
  /** …and none below this one is missing. */
  #lowMissing = 0;

  /** `present(i)` tells which chunks are already here (resumed). */
  constructor(count: number, present: (i: number) => boolean, options: SchedulerOptions = {}) {
    this.count = count;
    this.#state = new Uint8Array(count);
    this.#copies = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      if (present(i)) {
        this.#state[i] = PRESENT;
        this.#present++;
      }
    }
    this.#span = Math.max(1, options.span ?? 1);
    this.#busyInitial = options.busyInitialMs ?? 250;
    this.#busyMax = options.busyMaxMs ?? 4_000;
    this.#haveRefresh = options.haveRefreshMs ?? 1_000;
    this.#maxCopies = options.maxCopies ?? 2;
    this.#random = options.random ?? Math.random;
  }

  /** True when every chunk is here. */
  get finished(): boolean {
    return this.#present === this.count;
  }

  /** Chunks here. */
  get presentCount(): number {
    return this.#present;
  }

  /** Chunks `key` delivered so far. */
  deliveredBy(key: number): number {
    return this.#holders.get(key)?.delivered ?? 0;
  }

  /** Adds a holder; `have` lists the chunks it has (null: all of them). */
  addHolder(key: number, have: Uint8Array | null = null): void {
    this.#holders.set(key, {
      have,
      inFlight: new Set(),
      backoffUntil: 0,
      busyInARow: 0,
      delivered: 0,
    });
  }

  /** A holder still downloading told which chunks it has now. */
  setHave(key: number, have: Uint8Array | null): void {
    const h = this.#holders.get(key);
    if (h) h.have = have;
  }

  /** The next request for holder `key` at time `now` (ms). */
  next(key: number, now: number): Next {
    if (this.finished) return { kind: "done" };
    const h = this.#mustHolder(key);
    if (now < h.backoffUntil) return { kind: "wait", reason: "busy", ms: h.backoffUntil - now };
    const has = (i: number) => h.have === null || hasChunk(h.have, i);
    let first = -1;
    let lacking = false;
    for (let i = this.#low; i < this.count; i++) {
      if (this.#state[i] !== WANTED) {
        if (i === this.#low) this.#low++;
        continue;
      }
      if (has(i)) {
        first = i;
        break;
      }
      lacking = true;
    }
    if (first >= 0) {
      const chunks = [first];
      for (let i = first + 1; chunks.length < this.#span && i < this.count; i++) {
        if (this.#state[i] !== WANTED || !has(i)) break;
        chunks.push(i);
      }
      for (const i of chunks) this.#ask(h, i);
      return { kind: "run", chunks };
    }
    // Endgame: a chunk in flight elsewhere, with the fewest holders asked.
    while (this.#lowMissing < this.count && this.#state[this.#lowMissing] === PRESENT) {
      this.#lowMissing++;
    }
    let copy = -1;
    for (let i = this.#lowMissing; i < this.count; i++) {
      if (this.#state[i] !== IN_FLIGHT || h.inFlight.has(i) || !has(i)) continue;
      if (this.#copies[i] < this.#maxCopies && (copy < 0 || this.#copies[i] < this.#copies[copy])) {
        copy = i;
      }
    }
    if (copy >= 0) {
      this.#ask(h, copy);
      return { kind: "run", chunks: [copy] };
    }
    if (lacking && h.have !== null) return { kind: "wait", reason: "have", ms: this.#haveRefresh };
    return { kind: "wait", reason: "none", ms: Infinity };
  }

  /**
   * Chunk `i` arrived whole from `key` (verified, or to be checked with the
   * whole file). False when another holder's copy came first: drop these bytes.
   */
  delivered(key: number, i: number): boolean {
    const h = this.#holders.get(key);
    if (h?.inFlight.delete(i)) this.#copies[i]--;
    if (this.#state[i] === PRESENT) return false;
    this.#state[i] = PRESENT;
    this.#present++;
    if (h) {
      h.delivered++;
      h.busyInARow = 0;
    }
    return true;
  }

  /** `key` will not deliver these chunks (it failed, refused or was busy): others may take them. */
  giveBack(key: number, chunks: Iterable<number>): void {
    const h = this.#holders.get(key);
    if (!h) return;
    for (const i of chunks) {
      if (!h.inFlight.delete(i)) continue;
      this.#copies[i]--;
      if (this.#state[i] === IN_FLIGHT && this.#copies[i] === 0) {
        this.#state[i] = WANTED;
        if (i < this.#low) this.#low = i;
      }
    }
  }

  /**
   * `key` answered BUSY to a request (whose chunks the caller gives back): it
   * is backed off for 250 ms, 500 ms, … up to 4 s, times 0.5 to 1.5. Further
   * BUSY replies to requests sent before the back-off do not grow it. Returns
   * the time left to wait, in ms.
   */
  busy(key: number, now: number): number {
    const h = this.#mustHolder(key);
    if (now < h.backoffUntil) return h.backoffUntil - now;
    const base = Math.min(this.#busyMax, this.#busyInitial * 2 ** Math.min(h.busyInARow, 20));
    h.busyInARow++;
    h.backoffUntil = now + Math.round(base * (0.5 + this.#random()));
    return h.backoffUntil - now;
  }

  /** Removes a holder; whatever it had in flight goes back. */
  drop(key: number): void {
    const h = this.#holders.get(key);
    if (!h) return;
    this.giveBack(key, [...h.inFlight]);
    this.#holders.delete(key);
  }

  #ask(h: HolderState, i: number): void {
    this.#state[i] = IN_FLIGHT;
    this.#copies[i]++;
    h.inFlight.add(i);
  }

  #mustHolder(key: number): HolderState {
    const h = this.#holders.get(key);
    if (!h) throw new RangeError(`No holder ${key} in this download`);
    return h;
  }
}
