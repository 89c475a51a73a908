/**
 * A peer's file server: answers DOWNLOAD requests for files it registered,
 * looked up by content hash (a request can never name a path).
 * @module
 */
import { MessageConnection } from "../shared/connection.ts";
import { ConnectionClosedError, errorMessage, ProtocolError } from "../shared/errors.ts";
import { acceptHello } from "../shared/handshake.ts";
import type { Message } from "../shared/protocol.ts";
import type { SharedFile } from "./share_folder.ts";

/** Options for startFileServer. */
export interface FileServerOptions {
  hostname?: string;
  /** 0 lets the OS pick a free port. */
  port?: number;
  /** Time a downloader has to say HELLO, and between requests (default 60 s). */
  idleTimeoutMs?: number;
  /** Private network secret: downloaders must prove they know it. */
  secret?: string;
  /** Open connections accepted in all (default 256). */
  maxConnections?: number;
  /** Open connections accepted from one address (default 32). */
  maxConnectionsPerAddress?: number;
}

/** A running file server. */
export interface FileServer {
  readonly addr: Deno.NetAddr;
  /** Number of transfers in progress. */
  readonly activeUploads: number;
  /** Stops accepting, cuts running transfers and waits for them. */
  close(): Promise<void>;
}

const SEND_BUFFER_BYTES = 1024 * 1024;

/** Serves the files `lookup` returns by SHA-256. */
export function startFileServer(
  lookup: (sha256: string) => SharedFile | undefined,
  options: FileServerOptions = {},
): FileServer {
  const listener = Deno.listen({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port ?? 0,
  });
  const idle = options.idleTimeoutMs ?? 60_000;
  const sessions = new Map<MessageConnection, Promise<void>>();
  let active = 0;
  let closing = false;

  const maxConnections = options.maxConnections ?? 256;
  const maxPerAddress = options.maxConnectionsPerAddress ?? 32;
  const perAddress = new Map<string, number>();

  async function serve(conn: MessageConnection): Promise<void> {
    try {
      await acceptHello(conn, {
        secret: options.secret || undefined,
        timeoutMs: Math.min(idle, 10_000),
      });
      await conn.send({ type: "HI", status: "ok", peerId: 0 });
      for (;;) {
        const msg = await conn.receive(idle);
        if (msg === null) return;
        if (msg.type === "BYE") return;
        if (msg.type !== "DOWNLOAD") {
          throw new ProtocolError("BAD_STATE", `${msg.type} is not a request a peer answers`);
        }
        active++;
        try {
          await onDownload(conn, msg, lookup);
        } finally {
          active--;
        }
      }
    } catch (err) {
      if (err instanceof ProtocolError) {
        await conn.send(errorMessage(err.code, err.message)).catch(() => {});
      }
    } finally {
      conn.close();
    }
  }

  const acceptLoop = (async () => {
    while (!closing) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (closing || err instanceof Deno.errors.BadResource) return;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const host = conn.remoteAddr.hostname;
      const fromHost = perAddress.get(host) ?? 0;
      const mc = new MessageConnection(conn);
      if (sessions.size >= maxConnections || fromHost >= maxPerAddress) {
        const why = sessions.size >= maxConnections
          ? "This peer has too many connections"
          : `Too many connections from ${host}`;
        const refusal = mc.send(errorMessage("LIMIT", why)).catch(() => {}).finally(() =>
          mc.close()
        );
        sessions.set(mc, refusal.finally(() => sessions.delete(mc)));
        continue;
      }
      try {
        conn.setNoDelay(true);
      } catch { /* already gone */ }
      perAddress.set(host, fromHost + 1);
      sessions.set(
        mc,
        serve(mc).finally(() => {
          sessions.delete(mc);
          const n = (perAddress.get(host) ?? 1) - 1;
          if (n === 0) perAddress.delete(host);
          else perAddress.set(host, n);
        }),
      );
    }
  })();

  return {
    addr: listener.addr,
    get activeUploads() {
      return active;
    },
    async close() {
      if (closing) return;
      closing = true;
      listener.close();
      await acceptLoop;
      for (const mc of sessions.keys()) mc.close();
      await Promise.all(sessions.values());
    },
  };
}

/** Sends FILE and the requested bytes, or ERROR NOT_FOUND (the connection stays open). */
async function onDownload(
  conn: MessageConnection,
  msg: Extract<Message, { type: "DOWNLOAD" }>,
  lookup: (sha256: string) => SharedFile | undefined,
): Promise<void> {
  const shared = lookup(msg.sha256);
  let file: Deno.FsFile | undefined;
  try {
    if (shared) file = await Deno.open(shared.path).catch(() => undefined);
    const size = file ? (await file.stat()).size : -1;
    if (!shared || !file || size !== shared.size) {
      await conn.send(
        errorMessage("NOT_FOUND", `No file with SHA-256 ${msg.sha256} is shared here`),
      );
      return;
    }
    const offset = msg.offset ?? 0;
    if (offset > size) {
      throw new ProtocolError("BAD_MESSAGE", `Offset ${offset} is past the end (${size} bytes)`);
    }
    const length = Math.min(msg.length ?? size - offset, size - offset);
    await conn.send({ type: "FILE", status: "ok", size: length, offset, total: size });
    if (offset > 0) await file.seek(offset, Deno.SeekMode.Start);
    await sendBytes(conn, file, length);
  } finally {
    file?.close();
  }
}

async function sendBytes(
  conn: MessageConnection,
  file: Deno.FsFile,
  length: number,
): Promise<void> {
  let left = length;
  const buf = new Uint8Array(Math.min(SEND_BUFFER_BYTES, Math.max(length, 1)));
  while (left > 0) {
    const n = await file.read(buf.subarray(0, Math.min(left, buf.length)));
    if (n === null) throw new ConnectionClosedError("File ended early while sending");
    // writeRaw must finish before buf is reused.
    await conn.writeRaw(buf.subarray(0, n));
    left -= n;
  }
}
