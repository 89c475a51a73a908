/**
 * Long index work cut into slices: a loop asks `over` between units of work
 * and, when its slice has used its time, awaits `next()`, which lets the
 * event loop answer everyone else before the work goes on.
 * @module
 */

/** Milliseconds of index work between two turns of the event loop. */
export const SLICE_MS = 8;

/**
 * A running slice of work.
 *
 * @example
 * ```ts
 * const slice = new TimeSlice();
 * for (const item of items) {
 *   if (slice.over) await slice.next();
 *   work(item);
 * }
 * ```
 */
export class TimeSlice {
  readonly #ms: number;
  #until: number;

  constructor(ms = SLICE_MS) {
    this.#ms = ms;
    this.#until = performance.now() + ms;
  }

  /** True when this slice has used its time. */
  get over(): boolean {
    return performance.now() >= this.#until;
  }

  /** Yields to the event loop (timers, I/O), then starts a new slice. */
  async next(): Promise<void> {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.#until = performance.now() + this.#ms;
  }
}

/**
 * Requests one after another, as a client that sends many without waiting
 * gets them answered, never run a turn of the event loop longer than about a
 * slice: each request's time is counted, and once a slice's worth has run
 * with no pause between requests, the next one waits for a turn of the event
 * loop (heartbeats, other connections) first.
 *
 * @example
 * ```ts
 * await pacer.ready();
 * const started = performance.now();
 * answer(request);
 * pacer.spent(started);
 * ```
 */
export class Pacer {
  readonly #ms: number;
  #busy = 0;
  #lastEnd = 0;

  constructor(ms = SLICE_MS) {
    this.#ms = ms;
  }

  /** Resolves at once, or after a turn of the event loop when a slice's worth has just run. */
  async ready(): Promise<void> {
    // A pause since the last request means the event loop has had its turn.
    if (performance.now() - this.#lastEnd > 1) this.#busy = 0;
    if (this.#busy < this.#ms) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.#busy = 0;
  }

  /** Counts a request that started at `started` (performance.now()) and has just ended. */
  spent(started: number): void {
    this.#lastEnd = performance.now();
    this.#busy += this.#lastEnd - started;
  }
}
