/**
 * In-memory connections for tests without sockets: a pair of byte streams,
 * and a HolderConnector that reaches in-process file services over them.
 * @module
 */
import type { FileService } from "../peer/file_server.ts";
import type { HolderConnector } from "../peer/holder_connector.ts";
import { type ByteStream, MessageConnection } from "../shared/connection.ts";
import { ConnectionClosedError } from "../shared/errors.ts";
import { sayHello } from "../shared/handshake.ts";

/** Two connected in-memory byte streams. */
export function pipePair(): [ByteStream, ByteStream] {
  const a = new MemoryStream();
  const b = new MemoryStream();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class MemoryStream implements ByteStream {
  peer!: MemoryStream;
  #chunks: Uint8Array[] = [];
  #waiter: (() => void) | null = null;
  #closed = false;

  async read(p: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#closed || this.peer.#closed) return null;
      await new Promise<void>((r) => this.#waiter = r);
    }
    const head = this.#chunks[0];
    const n = Math.min(p.length, head.length);
    p.set(head.subarray(0, n));
    if (n === head.length) this.#chunks.shift();
    else this.#chunks[0] = head.subarray(n);
    return n;
  }

  write(p: Uint8Array): Promise<number> {
    if (this.#closed || this.peer.#closed) return Promise.reject(new Error("closed"));
    this.peer.#chunks.push(p.slice());
    this.peer.#wake();
    return Promise.resolve(p.length);
  }

  close(): void {
    this.#closed = true;
    this.#wake();
    this.peer.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }
}

/**
 * A HolderConnector that reaches in-process file services over in-memory
 * pipes (by holder ID), as if from `host`: download tests without sockets.
 */
export function pipeConnector(
  services: Map<number, FileService>,
  host = "10.0.0.2",
): HolderConnector {
  return async (holder, cancel) => {
    const service = services.get(holder.id);
    if (!service) {
      throw new ConnectionClosedError(`Cannot reach ${holder.host}:${holder.port}: refused`);
    }
    const [mine, theirs] = pipePair();
    service.serve(new MessageConnection(theirs), host);
    const conn = new MessageConnection(mine);
    cancel.addEventListener("abort", () => conn.close(), { once: true });
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    return conn;
  };
}
