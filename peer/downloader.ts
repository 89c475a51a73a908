/**
 * Downloads a file from the peers that hold it into the downloads folder:
 * bytes go to `NAME.part`, which becomes `NAME` (or `NAME (1)` …) only after
 * size and SHA-256 match. An existing file is never overwritten.
 * @module
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { MessageConnection } from "../shared/connection.ts";
import { NotFoundError } from "../shared/errors.ts";
import { numberedName, safeFileName } from "../shared/file_names.ts";
import { sayHello } from "../shared/handshake.ts";
import type { Holder, SearchResult } from "../shared/protocol.ts";
import { dial } from "./dial.ts";

/** Progress of one download, reported as bytes arrive. */
export interface DownloadProgress {
  received: number;
  total: number;
  /** The holder bytes are coming from. */
  holder: Holder;
}

/** Options for downloadFile. */
export interface DownloadOptions {
  /** Folder the file is written to (created when missing). */
  outDir: string;
  /** Use only the holder with this peer ID. */
  peerId?: number;
  /** Time allowed for connecting and for each read (default 15 s). */
  timeoutMs?: number;
  /** Private network secret. */
  secret?: string;
  onProgress?: (p: DownloadProgress) => void;
}

/** A finished, verified download. */
export interface DownloadResult {
  /** Absolute path of the written file. */
  path: string;
  holder: Holder;
  bytes: number;
}

/** Writing to the local disk failed (full, not writable): no other holder can help. */
export class LocalWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalWriteError";
  }
}

/** The download failed with every holder it tried. */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DownloadError";
  }
}

/** Downloads `file` from its holders, one after another until one succeeds. */
export async function downloadFile(
  file: SearchResult,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const holders = options.peerId === undefined
    ? file.peers
    : file.peers.filter((p) => p.id === options.peerId);
  if (holders.length === 0) {
    throw new NotFoundError(
      options.peerId === undefined
        ? `Nobody holds ${file.name} any more`
        : `Peer ${options.peerId} does not hold ${file.name}`,
    );
  }
  const outDir = resolve(options.outDir);
  try {
    await Deno.mkdir(outDir, { recursive: true });
  } catch (err) {
    throw new DownloadError(`Cannot create download folder ${outDir}: ${osMessage(err)}`);
  }
  const name = safeFileName(file.name, `download-${file.sha256.slice(0, 12)}`);
  const partPath = join(outDir, `${name}.part`);
  const failures: string[] = [];
  for (const holder of holders) {
    try {
      await fetchWhole(file, holder, partPath, options);
      const path = await placeFile(partPath, outDir, name);
      return { path, holder, bytes: file.size };
    } catch (err) {
      if (err instanceof LocalWriteError) {
        throw new DownloadError(
          `Download of ${file.name} stopped: ${err.message} (the .part file is kept)`,
        );
      }
      failures.push(`peer ${holder.id} (${holder.host}:${holder.port}): ${(err as Error).message}`);
    }
  }
  throw new DownloadError(`Download of ${file.name} failed. ${failures.join("; ")}`);
}

async function fetchWhole(
  file: SearchResult,
  holder: Holder,
  partPath: string,
  options: DownloadOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const conn = new MessageConnection(await dial(holder.host, holder.port, timeoutMs));
  try {
    await sayHello(conn, { port: 0 }, { secret: options.secret, timeoutMs });
    await conn.send({ type: "DOWNLOAD", sha256: file.sha256 });
    const header = await conn.expect(["FILE"], timeoutMs);
    if (header.total !== file.size || header.size !== file.size) {
      throw new DownloadError(`holder offers ${header.size} bytes, the index says ${file.size}`);
    }
    const hash = createHash("sha256");
    let received = 0;
    let out: Deno.FsFile;
    try {
      out = await Deno.open(partPath, { write: true, create: true, truncate: true });
    } catch (err) {
      throw new LocalWriteError(`cannot write ${partPath}: ${osMessage(err)}`);
    }
    try {
      await conn.readBytes(header.size, async (chunk) => {
        hash.update(chunk);
        try {
          for (let off = 0; off < chunk.length;) off += await out.write(chunk.subarray(off));
        } catch (err) {
          throw new LocalWriteError(`cannot write ${partPath}: ${osMessage(err)}`);
        }
        received += chunk.length;
        options.onProgress?.({ received, total: file.size, holder });
      }, timeoutMs);
    } finally {
      out.close();
    }
    const digest = hash.digest("hex");
    if (digest !== file.sha256) {
      await Deno.remove(partPath).catch(() => {});
      throw new DownloadError(`SHA-256 mismatch (got ${digest.slice(0, 12)}…), file discarded`);
    }
    await conn.send({ type: "BYE" }).catch(() => {});
  } finally {
    conn.close();
  }
}

/**
 * Gives the verified `.part` file its final name: the first of `name`,
 * `name (1)`, … that does not exist yet. A hard link never replaces an
 * existing file, so a race cannot overwrite one either.
 */
export async function placeFile(partPath: string, dir: string, name: string): Promise<string> {
  for (let n = 0; n < 10_000; n++) {
    const target = join(dir, numberedName(name, n));
    try {
      await Deno.link(partPath, target);
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) continue;
      // File systems without hard links: check, then rename.
      if (await exists(target)) continue;
      await Deno.rename(partPath, target);
      return target;
    }
    await Deno.remove(partPath);
    return target;
  }
  throw new DownloadError(`Too many files named like ${name} in ${dir}`);
}

function osMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\(os error \d+\)/, "")
    .replace(/: \w+ '.*'$/, "");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
