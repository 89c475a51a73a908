/**
 * A peer's file server: answers CHUNKS and DOWNLOAD for files it registered,
 * looked up by content hash (a request can never name a path), within its
 * upload slots and rate limit. The per-connection service works on any
 * MessageConnection (tests use in-memory pipes); startFileServer puts it on
 * a TCP port.
 * @module
 */
import type { MessageConnection } from "../shared/connection.ts";
import { type ConnectionActivity, serveTcp } from "../net/tcp_service.ts";
import type { TlsIdentity } from "../net/tls_identity.ts";
import { errorMessage, ProtocolError } from "../shared/errors.ts";
import { acceptHello } from "../shared/handshake.ts";
import { HostKeys } from "./host_key.ts";
import { RateLimiter } from "./rate_limiter.ts";
import type { SharedFile } from "./share_folder.ts";
import { OpenFiles, sendRange } from "./upload.ts";
import { UploadSlots } from "./upload_slots.ts";

/** Options of a file service. */
export interface FileServiceOptions {
  /**
   * Time a downloader has to say HELLO, and to make a useful request after
   * its last one (default 60 s). Useful: a CHUNK_LIST or FILE is sent, or a
   * BUSY (a queue place); requests for content not shared here are not.
   */
  idleTimeoutMs?: number;
  /**
   * A send that makes no progress for this long (the downloader stopped
   * reading) closes that connection and frees its slot (default 30 s).
   */
  sendStallMs?: number;
  /** Private network secret: downloaders must prove they know it. Needs `identity`. */
  secret?: string;
  /**
   * This peer's TLS identity, required with `secret`: the file server then
   * serves TLS with it, and the handshake binds its fingerprint.
   */
  identity?: TlsIdentity;
  /** Downloader connections served at once; others get BUSY (default 8). */
  uploadSlots?: number;
  /** Of those, most from one address (default half the slots, at least 1). */
  slotsPerAddress?: number;
  /**
   * A request whose downloader has kept its writes waiting for this long in
   * all loses its connection when another downloader waits for a slot
   * (default 20 s; see upload_slots.ts).
   */
  slowSendMs?: number;
  /** Total upload rate in bytes per second (default: unlimited). */
  maxUploadRate?: number;
  /**
   * Called on each piece of file data before it is sent, with the piece's
   * offset in the file; may change the bytes in place. Tests pass one in to
   * play a holder that sends wrong bytes.
   */
  uploadTransform?: UploadTransform;
  /**
   * Open networks: the host keys of this peer's HELLOs to the index; a HELLO
   * with a nonce gets HI with the proof for the one under way (host_key.ts).
   */
  hostKeys?: HostKeys;
}

/** Changes file data in place before it is sent (see FileServiceOptions.uploadTransform). */
export type UploadTransform = (bytes: Uint8Array, offset: number) => void;

/** Options for startFileServer. */
export interface FileServerOptions extends FileServiceOptions {
  hostname?: string;
  /** 0 lets the OS pick a free port. */
  port?: number;
  /**
   * Open connections accepted in all (default 256). When full, a new one is
   * admitted by closing an idle one (connection_table.ts).
   */
  maxConnections?: number;
  /** Open connections accepted from one address (default 32). */
  maxConnectionsPerAddress?: number;
}

/** Serves downloaders, one connection at a time per call. */
export interface FileService {
  /**
   * Runs one downloader connection to its end (it came from `host`; its useful
   * work and sends are told to `activity`); never throws.
   */
  serve(conn: MessageConnection, host: string, activity?: ConnectionActivity): Promise<void>;
  /** Number of transfers in progress. */
  readonly activeUploads: number;
  /** Bytes of file data sent so far. */
  readonly bytesSent: number;
}

/** A running file server. */
export interface FileServer extends Omit<FileService, "serve"> {
  readonly addr: Deno.NetAddr;
  /** Its host keys (the option's, or its own): give them to this peer's index client. */
  readonly hostKeys: HostKeys;
  /** Stops accepting, cuts running transfers and waits for them. */
  close(): Promise<void>;
}

/** The settings every upload connection is made with (see connection.ts). */
export function uploadConnectionOptions(options: FileServiceOptions): { writeTimeoutMs: number } {
  return { writeTimeoutMs: options.sendStallMs ?? 30_000 };
}

/**
 * Serves the files `lookup` returns by SHA-256, on connections handed in.
 *
 * @example
 * ```ts
 * const service = createFileService((sha) => shares.lookup(sha), { uploadSlots: 4 });
 * await service.serve(conn, "10.0.0.7");
 * ```
 */
export function createFileService(
  lookup: (sha256: string) => SharedFile | undefined,
  options: FileServiceOptions = {},
): FileService {
  const idle = options.idleTimeoutMs ?? 60_000;
  const secret = options.secret || undefined;
  if (secret && !options.identity) throw new Error("A private file server needs a TLS identity");
  const slots = new UploadSlots<MessageConnection>(options.uploadSlots ?? 8, {
    perAddress: options.slotsPerAddress,
    slowMs: options.slowSendMs,
    evict: (conn) => conn.close(),
  });
  const limiter = options.maxUploadRate ? new RateLimiter(options.maxUploadRate) : null;
  const stats = { active: 0, bytesSent: 0 };

  async function serve(
    conn: MessageConnection,
    host: string,
    activity?: ConnectionActivity,
  ): Promise<void> {
    const files = new OpenFiles();
    let usedAt = Date.now();
    const used = () => {
      usedAt = Date.now();
      activity?.used();
    };
    const upload = {
      files,
      limiter,
      stats,
      transform: options.uploadTransform,
      writeStarted: () => slots.writeStarted(conn),
      writeEnded: () => slots.writeEnded(conn),
    };
    try {
      const hello = await acceptHello(conn, {
        secret,
        fingerprint: options.identity?.fingerprint,
        timeoutMs: Math.min(idle, 10_000),
      });
      // An index checking the host this peer names (open networks; TLS proves it otherwise).
      const proof = !secret && hello.nonce ? options.hostKeys?.proof(hello.nonce) : undefined;
      await conn.send({ type: "HI", status: "ok", peerId: 0, ...(proof ? { proof } : {}) });
      used();
      for (;;) {
        // Only useful requests keep a connection open (see idleTimeoutMs).
        const left = usedAt + idle - Date.now();
        if (conn.closed || left <= 0) return;
        const msg = await conn.receive(left);
        if (msg === null || msg.type === "BYE") return;
        if (msg.type === "CHUNKS") {
          const f = lookup(msg.sha256);
          if (!f) {
            await conn.send(
              errorMessage("NOT_FOUND", `No file with SHA-256 ${msg.sha256} is shared here`),
            );
            continue;
          }
          await conn.send({
            type: "CHUNK_LIST",
            status: "ok",
            sha256: f.sha256,
            size: f.size,
            chunkSize: f.chunkSize,
            hashes: f.chunkHashes,
            ...(f.part ? { have: f.part.have() } : {}),
          });
          used();
          continue;
        }
        if (msg.type !== "DOWNLOAD") {
          throw new ProtocolError("BAD_STATE", `${msg.type} is not a request a peer answers`);
        }
        const slot = slots.acquire(conn, host);
        if (!slot.granted) {
          await conn.send({ type: "BUSY", status: "busy", position: slot.position });
          used();
          continue;
        }
        stats.active++;
        activity?.setBusy(true);
        try {
          if (await sendRange(conn, msg, lookup(msg.sha256), upload)) used();
        } finally {
          stats.active--;
          activity?.setBusy(false);
          // A slot is held for one request: a connection that sits idle between requests
          // holds none, and whoever waits is next.
          slots.release(conn);
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

  return {
    serve,
    get activeUploads() {
      return stats.active;
    },
    get bytesSent() {
      return stats.bytesSent;
    },
  };
}

/**
 * Serves the files `lookup` returns by SHA-256 on a TCP port (TLS with
 * `identity` on a private network).
 *
 * @example
 * ```ts
 * const server = startFileServer((sha) => shares.lookup(sha), { port: 0 });
 * console.log(server.addr.port);
 * await server.close();
 * ```
 */
export function startFileServer(
  lookup: (sha256: string) => SharedFile | undefined,
  options: FileServerOptions = {},
): FileServer {
  const hostKeys = options.hostKeys ?? new HostKeys();
  const service = createFileService(lookup, { ...options, hostKeys });
  const tcp = serveTcp({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 256,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 32,
    makeRoom: true,
    connection: uploadConnectionOptions(options),
    fullMessage: "This peer has too many connections",
    evictMessage: "This peer closed an idle connection to make room for another",
    tls: options.secret ? options.identity : undefined,
  }, (conn, host, _local, activity) => service.serve(conn, host, activity));

  let closed = false;
  return {
    addr: tcp.addr,
    hostKeys,
    get activeUploads() {
      return service.activeUploads;
    },
    get bytesSent() {
      return service.bytesSent;
    },
    async close() {
      if (closed) return;
      closed = true;
      await tcp.stopAccepting();
      tcp.closeAll();
      await tcp.drained();
    },
  };
}
