/**
 * Downloads a file into the downloads folder from every peer that holds it:
 * chunks go in place into `NAME.part`, each checked against the chunk list
 * (on arrival with several holders, or with the whole file with one); the
 * file gets its name (`NAME`, or `NAME (1)` …) only after the whole-file
 * SHA-256 matches. An existing file is never overwritten; a stopped download
 * resumes. Nothing a holder or the index says is trusted: the chunk size
 * follows from the size, the chunk list must match the chunk root, and the
 * chunk root is believed only once the whole file matched.
 * @module
 */
import { join, resolve } from "node:path";
import { chunkSizeFor } from "../shared/chunks.ts";
import { LocalWriteError, SwapmeetError } from "../shared/errors.ts";
import { safeFileName } from "../shared/file_names.ts";
import { osErrorText, plural } from "../shared/text.ts";
import type { Holder, SearchResult } from "../shared/protocol.ts";
import { fetchChunkList } from "./chunk_list.ts";
import type { SchedulerOptions } from "./chunk_scheduler.ts";
import { afterChunkList, candidatesOf } from "./holder_choice.ts";
import { dialHolders, type HolderConnector } from "./holder_connector.ts";
import { PartFile } from "./part_file.ts";
import type { FileId } from "./plain_file.ts";
import { placeFile } from "./place_file.ts";
import type { TlsIdentity } from "../net/tls_identity.ts";
import type { PartialSource } from "./share_folder.ts";
import { fetchChunks } from "./swarm.ts";

/** Failing holders named in notes, at most; the others are dropped without one. */
const NOTED_DROPS = 10;

/** Progress of one download, reported after each chunk written. */
export interface DownloadProgress {
  /** Bytes written so far (resumed ones included). */
  received: number;
  total: number;
  /** Holders sending right now. */
  sources: number;
}

/** Options for downloadFile. */
export interface DownloadOptions {
  /** Folder the file is written to (created when missing). */
  outDir: string;
  /** Name to save the file as (default: the result's name); made safe for the folder. */
  saveAs?: string;
  /** Use only the holder with this peer ID. */
  peerId?: number;
  /** Time allowed for connecting and for each reply (default 15 s). */
  timeoutMs?: number;
  /** Private network secret and this side's certificate (for the default connector). */
  secret?: string;
  identity?: TlsIdentity;
  /** How to reach a holder (default: dial it, say HELLO). */
  connect?: HolderConnector;
  /**
   * Most holders used at once (default 8, fastest first); each that fails is
   * replaced by the next listed one not tried yet.
   */
  maxSources?: number;
  /** Give up when no holder delivered anything for this long (default 60 s); the .part is kept. */
  stallMs?: number;
  /** Scheduler tuning (tests shorten back-offs). */
  scheduler?: SchedulerOptions;
  /** Stops the download (what is verified is kept for a later resume). */
  signal?: AbortSignal;
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
  /** That file as opened (see plain_file.ts). */
  fileId?: FileId;
}

/** A finished, verified download. */
export interface DownloadResult {
  /** Absolute path of the written file. */
  path: string;
  bytes: number;
  /** Number of holders that sent chunks in this run. */
  sources: number;
  /** Bytes that were already verified from an earlier, stopped run. */
  resumedBytes: number;
  /** The file's chunk hashes (verified with the whole file). */
  chunkHashes?: string[];
  /** The file as written (see plain_file.ts). */
  fileId?: FileId;
}

/**
 * Downloads `file` from its holders (fastest first, up to 8 at once, every
 * listed holder tried in turn while others fail).
 *
 * @example
 * ```ts
 * const { results } = await client.search("lecture");
 * const done = await downloadFile(results[0], { outDir: "downloads" });
 * console.log(done.path);
 * ```
 */
export async function downloadFile(
  file: SearchResult,
  options: DownloadOptions,
): Promise<DownloadResult> {
  let holders = candidatesOf(file, options.peerId);
  const chunkSize = chunkSizeFor(file.size);
  if (file.chunkSize !== undefined && file.chunkSize !== chunkSize) {
    throw new SwapmeetError(
      `${file.name} was registered with chunks of ${file.chunkSize} bytes; a file of ${file.size} bytes has chunks of ${chunkSize}`,
    );
  }
  if (!file.chunkRoot) throw new SwapmeetError(`${file.name} was registered without a chunk list`);
  const outDir = resolve(options.outDir);
  try {
    await Deno.mkdir(outDir, { recursive: true });
  } catch (err) {
    throw new SwapmeetError(`Cannot create download folder ${outDir}: ${osErrorText(err)}`);
  }
  const name = safeFileName(options.saveAs ?? file.name, `download-${file.sha256.slice(0, 12)}`);
  const target = { sha256: file.sha256, size: file.size, chunkSize, chunkRoot: file.chunkRoot };
  let part: PartFile;
  try {
    part = await PartFile.open(outDir, name, target);
  } catch (err) {
    throw new SwapmeetError(`Cannot write ${join(outDir, `${name}.part`)}: ${osErrorText(err)}`);
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  const connect = options.connect ?? dialHolders({ ...options, timeoutMs });
  const note = (line: string) => options.onNote?.(line);
  // Each failing holder is named, up to a point: a list of many bad holders is not a wall of notes.
  let drops = 0;
  const noteDrop = (line: string) => {
    if (++drops <= NOTED_DROPS) note(line);
    else if (drops === NOTED_DROPS + 1) {
      note("More holders failed; they are dropped without a note.");
    }
  };
  let discard = false; // the bytes are known wrong: nothing worth resuming
  try {
    let failedBefore: string[] = [];
    if (!part.hashes) {
      const list = await fetchChunkList(file, holders, {
        connect,
        timeoutMs,
        parallel: options.maxSources,
        signal: options.signal,
        onBadList: (h) =>
          noteDrop(
            `Peer ${h.id} sent a chunk list that does not match the file's chunk root; asking another.`,
          ),
      });
      part.hashes = list.hashes;
      holders = afterChunkList(holders, list.from, list.failed);
      failedBefore = list.reasons;
      await part.saveState();
    }
    if (part.resumedChunks > 0) {
      const failed = await part.check(true);
      note(
        `Resuming ${name}: ${part.doneCount} of ${part.count} chunks already verified${
          failed.length > 0 ? ` (${failed.length} failed the check)` : ""
        }.`,
      );
    }
    if (options.onPartial) {
      const p = part;
      options.onPartial({
        name,
        partPath: p.partPath,
        chunkHashes: p.hashes!,
        fileId: p.fileId,
        covers: (offset, length) => p.covers(offset, length),
        have: () => p.haveBitmap(),
      });
    }
    const resumedBytes = part.presentBytes;
    const progress = (sources: number) =>
      options.onProgress?.({ received: part.presentBytes, total: file.size, sources });
    progress(0);
    const used = new Set<Holder>();
    for (;;) {
      const fetched = await fetchChunks(part, file.sha256, holders, {
        connect,
        timeoutMs,
        verifyEach: holders.length > 1 || options.onPartial !== undefined,
        maxSources: options.maxSources,
        failedBefore,
        stallMs: options.stallMs,
        scheduler: options.scheduler,
        signal: options.signal,
        onChunk: progress,
        onDrop: (h, reason) => noteDrop(`Dropped peer ${h.id}: ${reason}`),
        onStall: (n) => note(`No chunk from ${plural(n, "holder")} for a while; trying others.`),
      });
      for (let i = 0; i < part.count; i++) {
        const h = fetched.sentBy(i);
        if (h) used.add(h);
      }
      if (await part.wholeHash() === file.sha256) break;
      // Chunks written unchecked are checked now; a holder whose bytes fail is dropped.
      const failed = await part.check();
      if (failed.length === 0) {
        discard = true;
        throw new SwapmeetError(
          `every chunk matched the chunk list but the whole-file SHA-256 did not: the chunk root registered for this file (${
            file.chunkRoot.slice(0, 12)
          }…) is wrong`,
        );
      }
      const blamed = new Map<Holder, number>();
      for (const i of failed) {
        const h = fetched.sentBy(i);
        if (h && !blamed.has(h)) blamed.set(h, i);
      }
      for (const [h, i] of blamed) {
        noteDrop(
          `Dropped peer ${h.id}: sent chunk ${i} with a wrong SHA-256; dropped for this download`,
        );
      }
      holders = holders.filter((h) => !blamed.has(h));
      if (holders.length === 0) {
        throw new SwapmeetError(
          [...blamed].map(([h, i]) => `peer ${h.id} sent chunk ${i} with a wrong SHA-256`).join(
            "; ",
          ) + "; no other holder is left",
        );
      }
      part.restartWholeHash();
    }
    part.markAllVerified();
    await part.close("done");
    const path = await placeFile(part.partPath, outDir, name, part.fileId);
    return {
      path,
      bytes: file.size,
      sources: used.size,
      resumedBytes,
      chunkHashes: part.hashes!,
      fileId: part.fileId,
    };
  } catch (err) {
    const kept = !discard && part.presentCount > 0;
    await part.close(kept ? "keep" : "discard");
    const keep = kept ? " (the .part file is kept: the same download resumes from it)" : "";
    if (err instanceof LocalWriteError) {
      throw new LocalWriteError(`Download of ${name} stopped: ${err.message}${keep}`);
    }
    throw new SwapmeetError(`Download of ${name} failed: ${(err as Error).message}${keep}`);
  }
}
