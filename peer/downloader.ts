/**
 * Downloads a file into the downloads folder from every peer that holds it:
 * chunks verified on arrival go in place into `NAME.part`; the file gets its
 * name (`NAME`, or `NAME (1)` …) only after the whole-file SHA-256 matches.
 * An existing file is never overwritten; a stopped download resumes.
 * @module
 */
import { join, resolve } from "node:path";
import { chunkListMatches, chunkSizeFor } from "../shared/chunks.ts";
import { MessageConnection } from "../shared/connection.ts";
import { LocalWriteError, SwapmeetError } from "../shared/errors.ts";
import { numberedName, safeFileName } from "../shared/file_names.ts";
import { sayHello } from "../shared/handshake.ts";
import { osErrorText } from "../shared/text.ts";
import type { Holder, SearchResult } from "../shared/protocol.ts";
import { dial } from "../net/dial.ts";
import { PartFile } from "./part_file.ts";
import type { PartialSource } from "./share_folder.ts";
import { fetchChunks } from "./swarm.ts";

/** Progress of one download, reported after each verified chunk. */
export interface DownloadProgress {
  /** Bytes verified so far (resumed ones included). */
  received: number;
  total: number;
  /** Holders sending right now. */
  sources: number;
}

/** Options for downloadFile. */
export interface DownloadOptions {
  /** Folder the file is written to (created when missing). */
  outDir: string;
  /** Use only the holder with this peer ID. */
  peerId?: number;
  /** The name to save the file as (its last segment, made safe); default `file.name`. */
  saveAs?: string;
  /** Time allowed for connecting and for each read (default 15 s). */
  timeoutMs?: number;
  /** Private network secret. */
  secret?: string;
  /** Most holders used at once (default 8, fastest first). */
  maxSources?: number;
  /**
   * Time a holder that is still downloading the file may go without any of
   * the chunks this download lacks before it is dropped (default 60 s).
   */
  partialStallMs?: number;
  onProgress?: (p: DownloadProgress) => void;
  /** One-line notes: resuming, a holder dropped. */
  onNote?: (line: string) => void;
  /**
   * Called once the chunk list is known and before chunks are fetched, with
   * the download as a source of its verified chunks (for sharing it while it
   * runs). It stops covering anything when the download ends.
   */
  onPartial?: (source: PartialDownload) => void;
}

/** A download in progress as a source of its verified chunks. */
export interface PartialDownload extends PartialSource {
  /** The name the file gets when done (before numbering). */
  name: string;
  /** The `.part` file the chunks are in. */
  partPath: string;
  chunkHashes: string[];
}

/** A finished, verified download. */
export interface DownloadResult {
  /** Absolute path of the written file. */
  path: string;
  bytes: number;
  /** Holders that were used. */
  sources: number;
  /** Bytes that were already verified from an earlier, stopped run. */
  resumedBytes: number;
}

/** The download failed with every holder it tried. */
export class DownloadError extends SwapmeetError {
  constructor(message: string) {
    super(message);
  }
}

/** Downloads `file` from its holders (fastest first), many at once when it has a chunk list. */
export async function downloadFile(
  file: SearchResult,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const holders = pickHolders(file, options);
  const outDir = resolve(options.outDir);
  try {
    await Deno.mkdir(outDir, { recursive: true });
  } catch (err) {
    throw new DownloadError(`Cannot create download folder ${outDir}: ${osErrorText(err)}`);
  }
  const name = safeFileName(options.saveAs ?? file.name, `download-${file.sha256.slice(0, 12)}`);
  const chunkSize = file.chunkSize ?? chunkSizeFor(file.size);
  let part: PartFile;
  try {
    part = await PartFile.open(outDir, name, { sha256: file.sha256, size: file.size, chunkSize });
  } catch (err) {
    throw new DownloadError(`Cannot write ${join(outDir, `${name}.part`)}: ${osErrorText(err)}`);
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  try {
    if (!part.hashes && file.chunkRoot) {
      part.hashes = await fetchChunkList(file, holders, timeoutMs, options.secret);
      await part.saveState();
    }
    if (part.resumedChunks > 0) {
      const dropped = await part.recheckResumed();
      options.onNote?.(
        `Resuming ${file.name}: ${part.doneCount} of ${part.count} chunks already verified${
          dropped ? ` (${dropped} failed the recheck)` : ""
        }.`,
      );
    }
    if (part.hashes && options.onPartial) {
      const p = part;
      options.onPartial({
        name,
        partPath: p.partPath,
        chunkHashes: p.hashes!,
        covers: (offset, length) => p.covers(offset, length),
        have: () => p.haveBitmap(),
      });
    }
    const resumedBytes = part.doneBytes;
    let received = resumedBytes;
    const swarm = {
      timeoutMs,
      secret: options.secret,
      partialStallMs: options.partialStallMs,
      onChunk: (sources: number) => {
        received = part.doneBytes;
        options.onProgress?.({ received, total: file.size, sources });
      },
      onDrop: (h: Holder, reason: string) => options.onNote?.(`Dropped peer ${h.id}: ${reason}`),
    };
    options.onProgress?.({ received, total: file.size, sources: 0 });
    let sources = holders.length;
    if (part.hashes) {
      await fetchChunks(part, file.sha256, holders, swarm);
      if (await part.wholeHash() !== file.sha256) {
        throw new DownloadError(
          `Download of ${file.name} failed: every chunk matched but the whole-file SHA-256 did not; the chunk list was wrong`,
        );
      }
    } else {
      sources = await fetchFromOneAtATime(part, file, holders, swarm);
    }
    await part.close("done");
    const path = await placeFile(part.partPath, outDir, name);
    return { path, bytes: file.size, sources, resumedBytes };
  } catch (err) {
    if (err instanceof DownloadError) {
      await part.close("discard");
      throw err;
    }
    await part.close("keep");
    if (err instanceof LocalWriteError) {
      throw new DownloadError(
        `Download of ${file.name} stopped: ${err.message} (the .part file is kept)`,
      );
    }
    throw new DownloadError(`Download of ${file.name} failed. ${(err as Error).message}`);
  }
}

function pickHolders(file: SearchResult, options: DownloadOptions): Holder[] {
  const holders = options.peerId === undefined
    ? file.peers
    : file.peers.filter((p) => p.id === options.peerId);
  if (holders.length === 0) {
    throw new SwapmeetError(
      options.peerId === undefined
        ? `Nobody holds ${file.name} any more`
        : `Peer ${options.peerId} does not hold ${file.name}`,
    );
  }
  // Complete holders first, then those still downloading; fastest first within each.
  const rtt = (h: Holder) => (h.partial ? 1e9 : 0) + (h.rttMs ?? 1e8);
  return [...holders].sort((a, b) => rtt(a) - rtt(b)).slice(0, options.maxSources ?? 8);
}

/** Asks holders in turn for the chunk list and keeps the first that matches the chunk root. */
async function fetchChunkList(
  file: SearchResult,
  holders: Holder[],
  timeoutMs: number,
  secret?: string,
): Promise<string[]> {
  const failures: string[] = [];
  for (const h of holders) {
    let conn: MessageConnection | undefined;
    try {
      conn = new MessageConnection(await dial(h.host, h.port, timeoutMs));
      await sayHello(conn, { port: 0 }, { secret, timeoutMs });
      await conn.send({ type: "CHUNKS", sha256: file.sha256 });
      const list = await conn.expect(["CHUNK_LIST"], timeoutMs);
      await conn.send({ type: "BYE" }).catch(() => {});
      if (
        chunkListMatches(list, {
          size: file.size,
          chunkSize: file.chunkSize!,
          chunkRoot: file.chunkRoot!,
        })
      ) return list.hashes;
      failures.push(
        `peer ${h.id} (${h.host}:${h.port}): its chunk list does not match the file's chunk root`,
      );
    } catch (err) {
      failures.push(`peer ${h.id} (${h.host}:${h.port}): ${(err as Error).message}`);
    } finally {
      conn?.close();
    }
  }
  throw new SwapmeetError(failures.join("; "));
}

/** Without a chunk list only the whole file can be checked: one holder at a time. */
async function fetchFromOneAtATime(
  part: PartFile,
  file: SearchResult,
  holders: Holder[],
  swarm: Parameters<typeof fetchChunks>[3],
): Promise<number> {
  const failures: string[] = [];
  for (const h of holders) {
    try {
      await fetchChunks(part, file.sha256, [h], swarm);
      if (await part.wholeHash() === file.sha256) return 1;
      failures.push(`peer ${h.id} (${h.host}:${h.port}): SHA-256 mismatch, its bytes discarded`);
      part.reset();
    } catch (err) {
      if (err instanceof LocalWriteError) throw err;
      failures.push((err as Error).message);
    }
  }
  throw new SwapmeetError(failures.join("; "));
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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
