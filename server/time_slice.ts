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

/**
 * Requests answered one after another without the event loop turning in
 * between (a client that sends many without waiting, or many clients whose
 * requests arrive together) hold it at most about a slice: request time is
 * counted until the loop is seen to turn (an idle moment, or a timer that
 * fires), and past a slice's worth the next request waits for that timer
 * (heartbeats and other connections have their turn first). Requests that
 * come and go as usual never wait, and cost no timer unless half a slice
 * passes without an idle moment.
 *
 * @example
 * ```ts
 * for (let turn = pacer.ready(performance.now()); turn; turn = pacer.ready(performance.now())) {
 *   await turn;
 * }
 * const started = performance.now();
 * answer(request);
 * pacer.spent(started);
 * ```
 */
export class Pacer {
  readonly #ms: number;
  #busy = 0;
  #lastEnd = 0;
  /** Resolves when the event loop next runs timers (set once half a slice is counted). */
  #turn: Promise<void> | null = null;

  constructor(ms = SLICE_MS) {
    this.#ms = ms;
  }

  /**
   * Undefined when a request may run now (`now` is performance.now());
   * otherwise the turn of the event loop to wait for.
   */
  ready(now: number): Promise<void> | undefined {
    if (now - this.#lastEnd > 1) this.#busy = 0; // idle a while: the loop turned
    return this.#busy >= this.#ms ? this.#turn ?? undefined : undefined;
  }

  /** Counts synchronous request work that started at `started` (performance.now()) and just ended. */
  spent(started: number): void {
    this.#lastEnd = performance.now();
    this.#busy += this.#lastEnd - started;
    if (this.#busy < this.#ms / 2) return;
    this.#turn ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#busy = 0;
        this.#turn = null;
        resolve();
      }, 0);
      Deno.unrefTimer(timer); // a server that stops does not wait for it
    });
  }
}
