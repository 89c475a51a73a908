/**
 * A peer's file server: answers CHUNKS and DOWNLOAD for files it registered,
 * looked up by content hash (a request can never name a path), within its
 * upload slots and rate limit.
 * @module
 */
import type { MessageConnection } from "../shared/connection.ts";
import { serveTcp } from "../net/tcp_service.ts";
import { ConnectionClosedError, errorMessage, ProtocolError } from "../shared/errors.ts";
import { acceptHello } from "../shared/handshake.ts";
import type { MessageOf } from "../shared/protocol.ts";
import { RateLimiter } from "./rate_limiter.ts";
import type { SharedFile } from "./share_folder.ts";
import { UploadSlots } from "./upload_slots.ts";

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
  /** Downloader connections served at once; others get BUSY (default 8). */
  uploadSlots?: number;
  /** Total upload rate in bytes per second (default: unlimited). */
  maxUploadRate?: number;
  /**
   * Called on each piece of file data before it is sent, with the piece's
   * offset in the file; may change the bytes in place. Tests pass one in to
   * play a holder that sends wrong bytes.
   */
  uploadTransform?: UploadTransform;
}

/** Changes file data in place before it is sent (see FileServerOptions.uploadTransform). */
export type UploadTransform = (bytes: Uint8Array, offset: number) => void;

/** A running file server. */
export interface FileServer {
  readonly addr: Deno.NetAddr;
  /** Number of transfers in progress. */
  readonly activeUploads: number;
  /** Bytes of file data sent so far. */
  readonly bytesSent: number;
  /** Stops accepting, cuts running transfers and waits for them. */
  close(): Promise<void>;
}

const SEND_BUFFER_BYTES = 1024 * 1024;

/** Serves the files `lookup` returns by SHA-256. */
export function startFileServer(
  lookup: (sha256: string) => SharedFile | undefined,
  options: FileServerOptions = {},
): FileServer {
  const idle = options.idleTimeoutMs ?? 60_000;
  const slots = new UploadSlots<MessageConnection>(options.uploadSlots ?? 8);
  const limiter = options.maxUploadRate ? new RateLimiter(options.maxUploadRate) : null;
  const stats = { active: 0, bytesSent: 0 };

  async function serve(conn: MessageConnection): Promise<void> {
    const files = new OpenFiles();
    try {
      await acceptHello(conn, {
        secret: options.secret || undefined,
        timeoutMs: Math.min(idle, 10_000),
      });
      await conn.send({ type: "HI", status: "ok", peerId: 0 });
      for (;;) {
        const msg = await conn.receive(idle);
        if (msg === null || msg.type === "BYE") return;
        if (msg.type === "CHUNKS") {
          const f = lookup(msg.sha256);
          await conn.send(
            f
              ? {
                type: "CHUNK_LIST",
                status: "ok",
                sha256: f.sha256,
                size: f.size,
                chunkSize: f.chunkSize,
                hashes: f.chunkHashes,
                ...(f.part ? { have: f.part.have() } : {}),
              }
              : errorMessage("NOT_FOUND", `No file with SHA-256 ${msg.sha256} is shared here`),
          );
          continue;
        }
        if (msg.type !== "DOWNLOAD") {
          throw new ProtocolError("BAD_STATE", `${msg.type} is not a request a peer answers`);
        }
        const slot = slots.acquire(conn);
        if (!slot.granted) {
          await conn.send({ type: "BUSY", status: "busy", position: slot.position });
          continue;
        }
        stats.active++;
        try {
          await onDownload(
            conn,
            msg,
            lookup(msg.sha256),
            files,
            limiter,
            stats,
            options.uploadTransform,
          );
        } finally {
          stats.active--;
        }
      }
    } catch (err) {
      if (err instanceof ProtocolError) {
        await conn.send(errorMessage(err.code, err.message)).catch(() => {});
      }
    } finally {
      files.close();
      slots.release(conn);
      conn.close();
    }
  }

  const service = serveTcp({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 256,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 32,
    fullMessage: "This peer has too many connections",
  }, serve);

  let closed = false;
  return {
    addr: service.addr,
    get activeUploads() {
      return stats.active;
    },
    get bytesSent() {
      return stats.bytesSent;
    },
    async close() {
      if (closed) return;
      closed = true;
      await service.stopAccepting();
      service.closeAll();
      await service.drained();
    },
  };
}

/** The file a connection is reading, kept open between its requests (chunks come in runs). */
class OpenFiles {
  #current: { path: string; file: Deno.FsFile; size: number; position: number } | null = null;
  #buf: Uint8Array | null = null;

  /** This connection's send buffer (reused between requests). */
  buffer(size: number): Uint8Array {
    if (!this.#buf || this.#buf.length !== size) this.#buf = new Uint8Array(size);
    return this.#buf;
  }

  /** The open file at `path` with its size now, or null when it cannot be opened. */
  async get(path: string): Promise<{ file: Deno.FsFile; size: number; position: number } | null> {
    if (this.#current?.path === path) return this.#current;
    this.close();
    try {
      const file = await Deno.open(path);
      this.#current = { path, file, size: (await file.stat()).size, position: 0 };
      return this.#current;
    } catch {
      return null;
    }
  }

  close(): void {
    this.#current?.file.close();
    this.#current = null;
  }
}

/** Sends FILE and the requested bytes, or ERROR NOT_FOUND (the connection stays open). */
async function onDownload(
  conn: MessageConnection,
  msg: MessageOf<"DOWNLOAD">,
  shared: SharedFile | undefined,
  files: OpenFiles,
  limiter: RateLimiter | null,
  stats: { bytesSent: number },
  transform: UploadTransform | undefined,
): Promise<void> {
  const open = shared ? await files.get(shared.path) : null;
  if (!shared || !open || open.size !== shared.size) {
    await conn.send(errorMessage("NOT_FOUND", `No file with SHA-256 ${msg.sha256} is shared here`));
    return;
  }
  const size = open.size;
  const offset = msg.offset ?? 0;
  if (offset > size) {
    throw new ProtocolError("BAD_MESSAGE", `Offset ${offset} is past the end (${size} bytes)`);
  }
  const length = Math.min(msg.length ?? size - offset, size - offset);
  if (shared.part && length > 0 && !shared.part.covers(offset, length)) {
    await conn.send(
      errorMessage(
        "NOT_FOUND",
        `Bytes ${offset}+${length} of ${msg.sha256} are not all here yet (this peer is still downloading it)`,
      ),
    );
    return;
  }
  await conn.send({ type: "FILE", status: "ok", size: length, offset, total: size });
  if (open.position !== offset) await open.file.seek(offset, Deno.SeekMode.Start);
  open.position = offset + length;
  let left = length;
  const piece = limiter ? limiter.pieceBytes : SEND_BUFFER_BYTES;
  const buf = files.buffer(piece);
  while (left > 0) {
    const n = await open.file.read(buf.subarray(0, Math.min(left, buf.length)));
    if (n === null) {
      files.close();
      throw new ConnectionClosedError("File ended early while sending");
    }
    transform?.(buf.subarray(0, n), offset + length - left);
    await limiter?.take(n);
    // writeRaw must finish before buf is reused.
    await conn.writeRaw(buf.subarray(0, n));
    stats.bytesSent += n;
    left -= n;
  }
}
