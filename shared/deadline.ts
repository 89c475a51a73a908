/**
 * The one way Swapmeet bounds a wait: a promise raced against a timer that
 * never outlives the race. Pure (timers only); no I/O.
 * @module
 */
import { TimeoutError } from "./errors.ts";

/**
 * Settles like `work`, or rejects with `TimeoutError(message)` after `ms`
 * (calling `onTimeout` first, e.g. to close the connection the work waits
 * on). `ms` of 0, a negative number or Infinity means no deadline.
 *
 * @example
 * ```ts
 * const reply = await withDeadline(conn.receive(), 5_000, "No answer within 5000 ms", () => conn.close());
 * ```
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number | undefined,
  message: string,
  onTimeout?: () => void,
): Promise<T> {
  if (ms === undefined || !(ms > 0) || !Number.isFinite(ms)) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new TimeoutError(message));
    }, ms);
    work.then((value) => {
      clearTimeout(timer);
      resolve(value);
    }, (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** The longest wait setTimeout takes (a longer one fires at once, with a warning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Waits `ms`, or less when `wake` settles first (its outcome is ignored).
 * Leaves no timer behind. `ms` of Infinity waits for `wake` alone (a timer
 * cannot wait longer than about 24 days; a longer `ms` waits that long).
 *
 * @example
 * ```ts
 * await delay(1_000, somethingChanged); // back off, but wake early on news
 * ```
 */
export function delay(ms: number, wake?: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = ms === Infinity
      ? undefined
      : setTimeout(done, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    function done() {
      clearTimeout(timer);
      resolve();
    }
    wake?.then(done, done);
  });
}
