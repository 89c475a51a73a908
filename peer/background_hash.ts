/**
 * SHA-256 on another thread: chunks are handed over without copying (their
 * buffers are transferred) and come back empty for reuse, so hashing overlaps
 * with the network and disk work of the receive loop. The worker is built
 * from inline source, so bundles and compiled binaries need no extra file.
 * @module
 */

const WORKER_SOURCE = `
import { createHash } from "node:crypto";
let hash = createHash("sha256");
self.onmessage = (e) => {
  const m = e.data;
  if (m.buf) {
    hash.update(new Uint8Array(m.buf, 0, m.len));
    self.postMessage({ buf: m.buf }, [m.buf]);
  } else {
    self.postMessage({ hex: hash.digest("hex") });
  }
};`;

let workerUrl: string | null = null;

/** A running SHA-256 over bytes fed in order, computed by a worker. */
export class BackgroundHash {
  readonly #worker: Worker;
  readonly #spare: Uint8Array[] = [];
  #digest: ((hex: string) => void) | null = null;
  #failed: Error | null = null;

  constructor() {
    workerUrl ??= URL.createObjectURL(
      new Blob([WORKER_SOURCE], { type: "application/javascript" }),
    );
    this.#worker = new Worker(workerUrl, { type: "module" });
    this.#worker.onmessage = (e: MessageEvent<{ buf?: ArrayBuffer; hex?: string }>) => {
      if (e.data.buf) {
        if (this.#spare.length < 16) this.#spare.push(new Uint8Array(e.data.buf));
      } else if (e.data.hex !== undefined) this.#digest?.(e.data.hex);
    };
    this.#worker.onerror = (e) => {
      e.preventDefault();
      this.#failed = new Error(`Hashing thread failed: ${e.message}`);
      this.#digest?.("");
    };
  }

  /** A buffer of exactly `length` bytes, reused from hashed chunks when one fits. */
  buffer(length: number): Uint8Array {
    const i = this.#spare.findIndex((b) => b.length === length);
    return i >= 0 ? this.#spare.splice(i, 1)[0] : new Uint8Array(length);
  }

  /** Hashes `bytes` next. Its buffer is handed to the worker: do not use it afterwards. */
  update(bytes: Uint8Array): void {
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const own = whole ? bytes : bytes.slice();
    this.#worker.postMessage({ buf: own.buffer, len: own.byteLength }, [own.buffer as ArrayBuffer]);
  }

  /** The hex digest of everything fed so far. */
  digest(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#digest = (hex) => this.#failed ? reject(this.#failed) : resolve(hex);
      this.#worker.postMessage({});
    });
  }

  /** Stops the worker. */
  close(): void {
    this.#worker.terminate();
  }
}
