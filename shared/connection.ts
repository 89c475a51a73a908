/**
 * A message connection over any byte stream with `read`, `write` and `close`
 * (a `Deno.Conn` is one; tests pass in-memory pipes). Sends and receives
 * framed messages, and raw file bytes after a FILE header.
 * @module
 */
import { decodeMessage, encodeMessageFrame } from "./codec.ts";
import { withDeadline } from "./deadline.ts";
import { ConnectionClosedError, ProtocolError, remoteError } from "./errors.ts";
import { FRAME_HEADER_BYTES, FrameDecoder } from "./framing.ts";
import { MAX_FRAME_BYTES, type Message, type MessageOf, type MessageType } from "./protocol.ts";
import { WriteQueue } from "./write_queue.ts";

/** The minimal byte stream a connection needs. */
export interface ByteStream {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/** Options for a MessageConnection. */
export interface ConnectionOptions {
  /** Largest frame accepted (default 1 MiB). */
  maxFrameBytes?: number;
  /**
   * A write that makes no progress for this long closes the connection (a
   * reader that stopped reading cannot hold us forever). Default: no limit.
   */
  writeTimeoutMs?: number;
  /**
   * Bytes waiting to be sent (the write under way included) past which a new
   * send closes the connection instead of waiting: a reader that stopped
   * reading cannot make us hold more. Default: no limit.
   */
  maxQueuedBytes?: number;
}

/** Control reads start small (idle connections are many) and grow while data streams in. */
const CONTROL_READ_MIN = 1024;
const CONTROL_READ_MAX = 64 * 1024;

/** Frames messages over a byte stream. One reader and any number of writers at a time. */
export class MessageConnection {
  readonly #stream: ByteStream;
  readonly #decoder: FrameDecoder;
  readonly #maxFrameBytes: number;
  readonly #writer: WriteQueue;
  #scratch = new Uint8Array(CONTROL_READ_MIN);
  #closed = false;
  #eof = false;

  constructor(stream: ByteStream, options: ConnectionOptions = {}) {
    this.#stream = stream;
    this.#maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.#writer = new WriteQueue(stream, this.#close, options);
    this.#decoder = new FrameDecoder(this.#maxFrameBytes);
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one message. Writes are queued so frames never interleave. */
  send(msg: Message): Promise<void> {
    return this.sendFrame(encodeMessageFrame(msg));
  }

  /** Largest frame payload this connection sends or accepts. */
  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }

  /**
   * Sends a whole frame (from encodeMessageFrame). Rejects with RangeError,
   * sending nothing, when its payload is over this connection's limit.
   */
  sendFrame(frame: Uint8Array): Promise<void> {
    const payload = frame.length - FRAME_HEADER_BYTES;
    if (payload > this.#maxFrameBytes) {
      return Promise.reject(
        new RangeError(
          `Frame of ${payload} bytes is above the limit of ${this.#maxFrameBytes} bytes`,
        ),
      );
    }
    return this.writeRaw(frame);
  }

  /**
   * Writes raw bytes (file data after a FILE header), in order with framed
   * sends. Past `maxQueuedBytes` waiting, closes the connection and rejects.
   */
  writeRaw(bytes: Uint8Array): Promise<void> {
    return this.#writer.write(bytes);
  }

  /** Bytes handed to send/writeRaw that the stream has not taken yet. */
  get queuedBytes(): number {
    return this.#writer.queuedBytes;
  }

  /**
   * For a watchdog calling it every so often: closes the connection when a
   * write has made no progress for `stallMs` (see WriteQueue.closeIfStalled).
   */
  closeIfWriteStalled(now: number, stallMs: number): boolean {
    return this.#writer.closeIfStalled(now, stallMs);
  }

  /**
   * Receives the next message, or null when the other side closed cleanly
   * between frames. Throws ProtocolError on a bad frame, ConnectionClosedError
   * when the stream ends mid-frame, TimeoutError (and closes) after `timeoutMs`.
   */
  receive(timeoutMs?: number): Promise<Message | null> {
    const deadline = timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs);
    // A frame already buffered (or none awaited against a deadline) needs no timer.
    if (!deadline || this.#decoder.ready) return this.#next();
    return withDeadline(this.#next(), timeoutMs, `No answer within ${timeoutMs} ms`, this.#close);
  }

  /**
   * The next message, reading as needed. Not an async function: thousands of
   * idle connections each keep this wait alive for a whole heartbeat, and the
   * fewer objects it holds, the less garbage the old generation collects. The
   * wait is Deno's read() and one then() with callbacks made once.
   */
  #next(): Promise<Message | null> {
    try {
      const payload = this.#decoder.nextView();
      if (payload) return Promise.resolve(decodeMessage(payload));
      if (this.#eof) return Promise.resolve(this.#ended());
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#stream.read(this.#scratch).then(this.#onRead, this.#onReadError);
  }

  readonly #onRead = (n: number | null): Promise<Message | null> | Message | null => {
    if (n === null) {
      this.#eof = true;
      return this.#ended();
    }
    this.#took(n);
    const payload = this.#decoder.nextView();
    return payload ? decodeMessage(payload) : this.#next(); // a whole frame: no second promise
  };

  readonly #onReadError = (err: unknown): null => {
    if (this.#closed) return this.#ended();
    throw err;
  };

  /** End of stream: clean between frames (null), or an error mid-frame. */
  #ended(): null {
    if (this.#decoder.buffered > 0) throw new ConnectionClosedError("Connection closed mid-frame");
    return null;
  }

  /**
   * Receives the next message and checks its type: an ERROR reply is thrown as
   * RemoteError, any other unexpected type as ProtocolError, end of stream as
   * ConnectionClosedError.
   */
  async expect<T extends MessageType>(
    types: readonly T[],
    timeoutMs?: number,
  ): Promise<MessageOf<T>> {
    const msg = await this.receive(timeoutMs);
    if (msg === null) throw new ConnectionClosedError();
    if ((types as readonly string[]).includes(msg.type)) return msg as MessageOf<T>;
    if (msg.type === "ERROR") throw remoteError(msg);
    throw new ProtocolError("BAD_STATE", `Expected ${types.join(" or ")}, got ${msg.type}`);
  }

  /**
   * Fills `target` completely with the next raw bytes: buffered bytes first,
   * then `read()` calls straight into `target` (no intermediate copy).
   */
  async readInto(target: Uint8Array, timeoutMs?: number): Promise<void> {
    let off = 0;
    if (this.#decoder.buffered > 0 && target.length > 0) {
      const head = this.#decoder.take(target.length);
      target.set(head);
      off = head.length;
    }
    if (off === target.length) return;
    // One deadline for the whole fill, not a timer per read: reads are the hot path.
    await withDeadline(
      this.#fill(target, off),
      timeoutMs,
      `Fewer than ${target.length} bytes arrived within ${timeoutMs} ms`,
      this.#close,
    );
  }

  async #fill(target: Uint8Array, off: number): Promise<void> {
    while (off < target.length) {
      const n = await this.#stream.read(target.subarray(off));
      if (n === null) {
        throw new ConnectionClosedError(
          `Connection closed with ${target.length - off} bytes to go`,
        );
      }
      off += n;
    }
  }

  readonly #close = () => this.close();

  /** Closes the stream; pending reads end. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.closed = true;
    try {
      this.#stream.close();
    } catch {
      // already closed by the other side
    }
  }

  /** Hands `n` bytes just read into the scratch buffer to the decoder; sizes the next read. */
  #took(n: number): void {
    this.#decoder.push(this.#scratch.subarray(0, n));
    if (n === this.#scratch.length && n < CONTROL_READ_MAX) this.#scratch = new Uint8Array(n * 2);
    else if (n < CONTROL_READ_MIN && this.#scratch.length > CONTROL_READ_MIN) {
      this.#scratch = new Uint8Array(CONTROL_READ_MIN);
    }
  }
}
