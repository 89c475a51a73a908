/**
 * Length-prefixed framing: a 4-byte big-endian length, then that many bytes.
 * Pure functions over Uint8Array; no I/O.
 * @module
 */
import { ProtocolError } from "./errors.ts";
import { MAX_FRAME_BYTES } from "./protocol.ts";

/** Size of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** Prefixes a payload with its 4-byte big-endian length. */
export function encodeFrame(payload: Uint8Array, maxFrameBytes = MAX_FRAME_BYTES): Uint8Array {
  if (payload.length > maxFrameBytes) {
    throw new RangeError(
      `Frame of ${payload.length} bytes is above the limit of ${maxFrameBytes} bytes`,
    );
  }
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Incremental frame decoder. Bytes go in with {@linkcode push} in chunks of any
 * size; complete payloads come out one at a time with {@linkcode next}. The
 * length prefix is checked against the limit before any payload is buffered,
 * so a hostile prefix never causes a large allocation.
 */
export class FrameDecoder {
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;
  readonly #max: number;

  constructor(maxFrameBytes = MAX_FRAME_BYTES) {
    this.#max = maxFrameBytes;
  }

  /** Bytes received but not yet returned. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /**
   * True when next() would return a payload or throw at once (a whole frame,
   * or a length prefix over the limit, is buffered).
   */
  get ready(): boolean {
    if (this.buffered < FRAME_HEADER_BYTES) return false;
    const length = this.#prefix();
    return length > this.#max || this.buffered >= FRAME_HEADER_BYTES + length;
  }

  /** Appends received bytes. Throws ProtocolError when a buffered prefix is over the limit. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#ensureRoom(chunk.length);
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
    this.#checkPrefix();
  }

  /** Returns the next complete payload (a copy), or null when more bytes are needed. */
  next(): Uint8Array | null {
    return this.nextView()?.slice() ?? null;
  }

  /**
   * Like {@linkcode next}, but returns a view into the decoder's buffer, valid
   * only until the next call to this decoder: no copy, no new ArrayBuffer (on
   * a server with thousands of idle peers, an ArrayBuffer per heartbeat is
   * measurable).
   */
  nextView(): Uint8Array | null {
    if (this.buffered < FRAME_HEADER_BYTES) return null;
    const length = this.#checkPrefix();
    if (this.buffered < FRAME_HEADER_BYTES + length) return null;
    const from = this.#start + FRAME_HEADER_BYTES;
    const payload = this.#buf.subarray(from, from + length);
    this.#start = from + length;
    if (this.#start === this.#end) this.#reset();
    return payload;
  }

  /** Removes and returns up to `max` buffered bytes that are not framed (raw file data). */
  take(max: number): Uint8Array {
    const n = Math.min(max, this.buffered);
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    if (this.#start === this.#end) this.#reset();
    return out;
  }

  /** Empty again: a buffer grown for one big frame is given back. */
  #reset(): void {
    this.#start = this.#end = 0;
    if (this.#buf.length > 16 * 1024) this.#buf = new Uint8Array(0);
  }

  #checkPrefix(): number {
    if (this.buffered < FRAME_HEADER_BYTES) return 0;
    const length = this.#prefix();
    if (length > this.#max) {
      if (isTlsRecordHeader(length)) {
        // A private network's TLS side answered (or greeted) a plain one: the
        // one case where "too large" would be the wrong thing to tell a person.
        throw new ProtocolError(
          "AUTH",
          "Got TLS where a frame was expected: one side is on a private network, the other is not",
        );
      }
      throw new ProtocolError(
        "FRAME_TOO_LARGE",
        `Frame of ${length} bytes is above the limit of ${this.#max} bytes`,
      );
    }
    return length;
  }

  /** The buffered length prefix (at least FRAME_HEADER_BYTES must be buffered). */
  #prefix(): number {
    const b = this.#buf;
    const at = this.#start;
    return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  }

  #ensureRoom(extra: number): void {
    if (this.#end + extra <= this.#buf.length) return;
    const live = this.buffered;
    if (live + extra <= this.#buf.length) {
      this.#buf.copyWithin(0, this.#start, this.#end);
    } else {
      const grown = new Uint8Array(Math.max(live + extra, this.#buf.length * 2, 256));
      grown.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = grown;
    }
    this.#start = 0;
    this.#end = live;
  }
}

/**
 * Whether 4 bytes read as a length prefix are the start of a TLS record
 * (content type 20-23, then version 3.x): what a plain caller gets back from a
 * private network's TLS listener (an alert), and what a plain listener gets
 * from a TLS caller (a ClientHello).
 */
export function isTlsRecordHeader(prefix: number): boolean {
  const type = prefix >>> 24;
  return type >= 20 && type <= 23 && ((prefix >>> 16) & 0xff) === 3 && ((prefix >>> 8) & 0xff) <= 4;
}
