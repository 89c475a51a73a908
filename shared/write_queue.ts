/**
 * The sending side of a MessageConnection: writes run one after another so
 * frames never interleave, within a write timeout and a cap on the bytes
 * waiting, and a watchdog can close a connection whose writes stopped moving.
 * @module
 */
import { withDeadline } from "./deadline.ts";
import { ConnectionClosedError, TimeoutError } from "./errors.ts";

/** How a WriteQueue bounds its writes (see ConnectionOptions). */
export interface WriteLimits {
  writeTimeoutMs?: number;
  maxQueuedBytes?: number;
}

/** Writes bytes to a stream in order. */
export class WriteQueue {
  readonly #stream: { write(p: Uint8Array): Promise<number> };
  readonly #close: () => void;
  readonly #writeTimeoutMs: number | undefined;
  readonly #maxQueuedBytes: number;
  #writing: Promise<unknown> = Promise.resolve();
  /** Writes started or waiting, so a write with none ahead of it can start at once. */
  #queued = 0;
  /** The bytes of the write started without a queue, until it completes. */
  #inFlight: Uint8Array | null = null;
  /** Bytes handed to write() and not yet taken by the stream. */
  #queuedBytes = 0;
  /** Stream write() calls completed: the watchdog compares it over time. */
  #progress = 0;
  /** The #progress the watchdog saw last, and since when. */
  #progressSeen = 0;
  #progressSeenAt = 0;
  /** Why waiting writes fail once this side closed for a reason of its own. */
  #failure: Error | null = null;
  /** Set by the connection when it closes. */
  closed = false;

  /** Writes to `stream`; `close` closes the whole connection. */
  constructor(
    stream: { write(p: Uint8Array): Promise<number> },
    close: () => void,
    limits: WriteLimits,
  ) {
    this.#stream = stream;
    this.#close = close;
    this.#writeTimeoutMs = limits.writeTimeoutMs;
    this.#maxQueuedBytes = limits.maxQueuedBytes ?? Infinity;
  }

  /** Bytes handed to write() that the stream has not taken yet. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /**
   * Writes all of `bytes` after the writes before it. Past `maxQueuedBytes`
   * waiting, closes the connection instead (and rejects).
   */
  write(bytes: Uint8Array): Promise<void> {
    if (this.#queuedBytes + bytes.length > this.#maxQueuedBytes && !this.closed) {
      this.#fail(
        new ConnectionClosedError(
          `More than ${this.#maxQueuedBytes} bytes waited to be sent: the other side is not reading`,
        ),
      );
    }
    let done: Promise<void>;
    if (this.#queued++ > 0) {
      // Behind other writes: runs when the one before it has settled, however that went.
      this.#queuedBytes += bytes.length;
      const run = () => this.#writeAll(bytes);
      done = this.#writing.then(run, run);
    } else if (this.closed) {
      this.#queued--;
      done = Promise.reject(this.#failure ?? new ConnectionClosedError("Connection is closed"));
    } else {
      // Nothing queued (the usual case): one write() with callbacks made once; the
      // rest of a partial write goes through #writeAll.
      this.#queuedBytes += bytes.length;
      this.#inFlight = bytes;
      done = this.#timed(bytes).then(this.#onWritten, this.#onWriteFailed);
    }
    this.#writing = done;
    return done;
  }

  /**
   * For a watchdog that calls it every so often (a fraction of `stallMs`):
   * when a write has waited with no progress (no stream write() completed)
   * since a call at least `stallMs` ago, closes the connection, failing the
   * waiting writes with TimeoutError, and returns true. No timer and nothing
   * allocated per write: the watchdog's calls are the clock.
   */
  closeIfStalled(now: number, stallMs: number): boolean {
    if (this.#queuedBytes === 0 || this.#progress !== this.#progressSeen || this.closed) {
      this.#progressSeen = this.#progress;
      this.#progressSeenAt = now;
      return false;
    }
    if (now - this.#progressSeenAt < stallMs) return false;
    this.#fail(new TimeoutError(`The other side took nothing for ${stallMs} ms`));
    return true;
  }

  readonly #onWritten = (n: number): Promise<void> | undefined => {
    const bytes = this.#inFlight!;
    this.#inFlight = null;
    this.#progress++;
    if (n >= bytes.length) {
      this.#queuedBytes -= bytes.length;
      this.#queued--;
      return undefined;
    }
    this.#queuedBytes -= n;
    return this.#writeAll(bytes.subarray(n)); // counts itself out of the queue when done
  };

  readonly #onWriteFailed = (err: unknown): never => {
    this.#queuedBytes -= this.#inFlight!.length;
    this.#inFlight = null;
    this.#queued--;
    throw this.#failure ?? err;
  };

  /** Closes the connection; waiting writes fail with `why`. */
  #fail(why: Error): void {
    this.#failure = why;
    this.#close();
  }

  /** One write to the stream, within the write timeout when there is one. */
  #timed(bytes: Uint8Array): Promise<number> {
    const write = this.#stream.write(bytes);
    if (this.#writeTimeoutMs === undefined) return write;
    return withDeadline(
      write,
      this.#writeTimeoutMs,
      `The other side took nothing for ${this.#writeTimeoutMs} ms`,
      this.#close,
    );
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let off = 0;
    try {
      while (off < bytes.length) {
        if (this.closed) throw new ConnectionClosedError("Connection is closed");
        const n = await this.#timed(off === 0 ? bytes : bytes.subarray(off));
        off += n;
        this.#queuedBytes -= n;
        this.#progress++;
      }
    } catch (err) {
      throw this.#failure ?? err;
    } finally {
      this.#queuedBytes -= bytes.length - off;
      this.#queued--;
    }
  }
}
