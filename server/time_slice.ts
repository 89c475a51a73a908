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
    return this.#ms !== Infinity && performance.now() >= this.#until;
  }

  /** Yields to the event loop (timers, I/O), then starts a new slice. */
  async next(): Promise<void> {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.#until = performance.now() + this.#ms;
  }
}
