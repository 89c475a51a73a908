/**
 * Sending one byte range of a shared file (at most MAX_REQUEST_CHUNKS chunks
 * of it): the FILE header, then the bytes, read from disk into a buffer reused
 * between requests, within the upload rate limit; each write is reported, so
 * the upload slots can tell a downloader that keeps them waiting.
 * @module
 */
import type { MessageConnection } from "../shared/connection.ts";
import { ConnectionClosedError, errorMessage, ProtocolError } from "../shared/errors.ts";
import type { MessageOf } from "../shared/protocol.ts";
import type { UploadTransform } from "./file_server.ts";
import { type FileId, isFile } from "./plain_file.ts";
import type { RateLimiter } from "./rate_limiter.ts";
import type { SharedFile } from "./share_folder.ts";

const SEND_BUFFER_BYTES = 1024 * 1024;

/** The file a connection is reading, kept open between its requests (chunks come in runs). */
export class OpenFiles {
  #current: { path: string; file: Deno.FsFile; size: number; position: number } | null = null;
  #buf: Uint8Array | null = null;

  /** This connection's send buffer (reused between requests). */
  buffer(size: number): Uint8Array {
    if (!this.#buf || this.#buf.length !== size) this.#buf = new Uint8Array(size);
    return this.#buf;
  }

  /**
   * The open file at `path` with its size now, or null when it cannot be
   * opened or is not the file `id` names (a link or another file put there
   * since it was examined: nothing outside the share is ever sent).
   */
  async get(
    path: string,
    id: FileId | undefined,
  ): Promise<{ file: Deno.FsFile; size: number; position: number } | null> {
    if (this.#current?.path === path) return this.#current;
    this.close();
    try {
      const file = await Deno.open(path);
      const info = await file.stat();
      if (!info.isFile || !isFile(info, id)) {
        file.close();
        return null;
      }
      this.#current = { path, file, size: info.size, position: 0 };
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

/** Most chunks of the file one DOWNLOAD is served (a request for more is cut). */
export const MAX_REQUEST_CHUNKS = 8;

/** What sendRange needs besides the request. */
export interface UploadContext {
  /** The connection's open file and send buffer. */
  files: OpenFiles;
  limiter: RateLimiter | null;
  stats: { bytesSent: number };
  transform?: UploadTransform;
  /** Told before and after each write of file data (how long the downloader makes us wait). */
  writeStarted?: () => void;
  writeEnded?: () => void;
}

/**
 * Sends FILE and the requested bytes, at most MAX_REQUEST_CHUNKS chunks of
 * them (FILE's `size` says how many), or ERROR NOT_FOUND (the connection
 * stays open). True when it sent a FILE.
 */
export async function sendRange(
  conn: MessageConnection,
  msg: MessageOf<"DOWNLOAD">,
  shared: SharedFile | undefined,
  ctx: UploadContext,
): Promise<boolean> {
  const { files, limiter, stats, transform } = ctx;
  const open = shared ? await files.get(shared.path, shared.fileId) : null;
  if (!shared || !open || open.size !== shared.size) {
    await conn.send(errorMessage("NOT_FOUND", `No file with SHA-256 ${msg.sha256} is shared here`));
    return false;
  }
  const size = open.size;
  const offset = msg.offset ?? 0;
  if (offset > size) {
    throw new ProtocolError("BAD_MESSAGE", `Offset ${offset} is past the end (${size} bytes)`);
  }
  const length = Math.min(
    msg.length ?? size - offset,
    size - offset,
    MAX_REQUEST_CHUNKS * shared.chunkSize,
  );
  if (shared.part && length > 0 && !shared.part.covers(offset, length)) {
    await conn.send(
      errorMessage(
        "NOT_FOUND",
        `Bytes ${offset}+${length} of ${msg.sha256} are not all here yet (this peer is still downloading it)`,
      ),
    );
    return false;
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
    ctx.writeStarted?.();
    await conn.writeRaw(buf.subarray(0, n));
    ctx.writeEnded?.();
    stats.bytesSent += n;
    left -= n;
  }
  return true;
}
