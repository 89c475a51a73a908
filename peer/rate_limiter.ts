/**
 * A token bucket shared by every upload of a peer, so `--max-upload-rate`
 * caps the peer's total.
 * @module
 */

/** Limits the bytes per second that pass through take(). */
export class RateLimiter {
  readonly bytesPerSecond: number;
  readonly #burst: number;
  #tokens: number;
  #last = performance.now();

  constructor(bytesPerSecond: number) {
    if (!(bytesPerSecond > 0)) throw new RangeError("The rate must be above 0 bytes per second");
    this.bytesPerSecond = bytesPerSecond;
    this.#burst = Math.max(16 * 1024, bytesPerSecond / 20);
    this.#tokens = this.#burst;
  }

  /** The largest piece worth sending at once under this rate. */
  get pieceBytes(): number {
    return Math.max(4096, Math.min(256 * 1024, Math.floor(this.#burst)));
  }

  /** Waits until `n` more bytes may be sent. */
  async take(n: number): Promise<void> {
    const now = performance.now();
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((now - this.#last) / 1000) * this.bytesPerSecond,
    );
    this.#last = now;
    this.#tokens -= n;
    if (this.#tokens < 0) {
      await new Promise((r) => setTimeout(r, (-this.#tokens / this.bytesPerSecond) * 1000));
    }
  }
}

/** Parses a rate like `10M` (10 MB/s), `512K`, `1.5G`, `2MiB`, `800k/s`, or a plain byte count. */
export function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(i?)b?(?:\/s)?$/i.exec(text.trim());
  if (!m) throw new RangeError(`"${text}" is not a rate (examples: 500K, 10M, 1G, 2MiB)`);
  const power = { "": 0, k: 1, m: 2, g: 3 }[m[2].toLowerCase() as "" | "k" | "m" | "g"];
  const rate = Number(m[1]) * (m[3] ? 1024 : 1000) ** power;
  if (!(rate >= 1)) throw new RangeError(`"${text}" is below 1 byte per second`);
  return Math.floor(rate);
}
