/**
 * Connections from another loopback address (127.0.0.x; Linux routes all of
 * 127/8 to lo): Deno.connect cannot choose its source address, node:net can.
 * The socket is wrapped as a ByteStream, so a MessageConnection runs over it,
 * and it reads from the kernel only when asked to: a slow reader is slow on
 * the wire too (TCP back-pressure reaches the sender).
 * @module
 */
import net from "node:net";
import type { ByteStream } from "../../shared/connection.ts";

/** A ByteStream over a TCP socket; `ended` resolves once the socket is fully closed. */
export interface NodeStream extends ByteStream {
  readonly ended: Promise<void>;
}

/** Connects to 127.0.0.1:`port` from `localAddress`. */
export function connectFrom(localAddress: string, port: number): Promise<NodeStream> {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress });
  socket.pause();
  const chunks: Uint8Array[] = [];
  let eof = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  socket.on("data", (d: Uint8Array) => {
    chunks.push(d);
    socket.pause(); // no more until this is read
    poke();
  });
  socket.on("end", () => {
    eof = true;
    poke();
  });
  socket.on("error", (err: Error) => {
    failure = err;
    poke();
  });
  const ended = new Promise<void>((r) => socket.on("close", () => r()));
  socket.on("close", () => {
    eof = true;
    poke();
  });
  const stream: NodeStream = {
    ended,
    async read(p: Uint8Array): Promise<number | null> {
      while (chunks.length === 0) {
        if (failure) throw failure;
        if (eof) return null;
        socket.resume();
        await new Promise<void>((r) => wake = r);
      }
      const head = chunks[0];
      const n = Math.min(p.length, head.length);
      p.set(head.subarray(0, n));
      if (n === head.length) chunks.shift();
      else chunks[0] = head.subarray(n);
      return n;
    },
    write(p: Uint8Array): Promise<number> {
      return new Promise((resolve, reject) => {
        socket.write(p, (err?: Error | null) => err ? reject(err) : resolve(p.length));
      });
    },
    close() {
      socket.destroy();
      eof = true;
      poke();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(stream));
    socket.once("error", reject);
  });
}
