/**
 * Fetches the missing chunks of a PartFile from many holders at once: one
 * worker per holder (holder_worker.ts), one scheduler deciding who gets which
 * chunk (chunk_scheduler.ts). Ends as soon as the last chunk is here, whatever
 * the other holders are doing; fails when every holder failed, when the disk
 * refuses a write, or when no holder delivered anything for `stallMs`.
 * @module
 */
import { LocalWriteError, SwapmeetError } from "../shared/errors.ts";
import { osErrorText, plural } from "../shared/text.ts";
import type { Holder } from "../shared/protocol.ts";
import { ChunkScheduler, type SchedulerOptions } from "./chunk_scheduler.ts";
import type { HolderConnector } from "./holder_connector.ts";
import { fetchFromHolder, type WorkerContext } from "./holder_worker.ts";
import type { PartFile } from "./part_file.ts";

/** Default time without any chunk from any holder before a download gives up. */
export const DEFAULT_STALL_MS = 60_000;

/** Options for fetchChunks. */
export interface SwarmOptions {
  connect: HolderConnector;
  /** Time allowed for each reply and each chunk's bytes. */
  timeoutMs: number;
  /**
   * Check each chunk's SHA-256 on arrival (needed with several holders, or when
   * the download is served to others while it runs); otherwise chunks are
   * written unverified and checked together with the whole-file SHA-256.
   */
  verifyEach: boolean;
  /** Requests in flight per holder (default 4). */
  pipeline?: number;
  /** Give up when no holder delivered a chunk for this long (default 60 s). */
  stallMs?: number;
  /** Scheduler tuning (tests shorten the back-offs). */
  scheduler?: SchedulerOptions;
  /** Called after each chunk written, with the number of holders sending. */
  onChunk?: (sources: number) => void;
  /** Called when a holder is dropped, with the reason. */
  onDrop?: (holder: Holder, reason: string) => void;
  /** Stops the fetch: it rejects with "stopped". */
  signal?: AbortSignal;
}

/** What a fetch did. */
export interface SwarmResult {
  /** The holder whose bytes are in chunk `i`, when they came in this fetch. */
  sentBy(i: number): Holder | undefined;
  /** Holders that delivered at least one chunk. */
  used: number;
}

/**
 * Fetches every chunk not yet written. Resolves when all are here; otherwise
 * rejects with the reason of each holder that failed, the stall, or the local
 * write error.
 */
export async function fetchChunks(
  part: PartFile,
  sha256: string,
  holders: Holder[],
  options: SwarmOptions,
): Promise<SwarmResult> {
  const scheduler = new ChunkScheduler(part.count, (i) => part.isPresent(i), {
    span: holders.length === 1 ? 8 : 1, // one source: fewer, longer requests
    ...options.scheduler,
  });
  const sentBy = new Int32Array(part.count).fill(-1);
  const result = {
    sentBy: (i: number) => holders[sentBy[i]],
    get used() {
      return holders.filter((_, key) => scheduler.deliveredBy(key) > 0).length;
    },
  };
  if (scheduler.finished) return result;

  const abort = new AbortController();
  let failure: Error | null = null;
  const failures: string[] = [];
  const sending = new Set<number>();
  let wake: () => void = () => {};
  let changed = new Promise<void>((r) => wake = r);
  let ended!: () => void;
  const end = new Promise<void>((r) => ended = r);
  const finish = (err?: Error) => {
    failure ??= err ?? null;
    abort.abort();
    ended();
  };

  // No chunk from anyone for stallMs: give up (the .part is kept for later).
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  let lastChunk = Date.now();
  const checkStall = () => {
    const idle = Date.now() - lastChunk;
    if (idle < stallMs) {
      stallTimer = setTimeout(checkStall, stallMs - idle);
      return;
    }
    const why = failures.length > 0 ? ` (${failures.join("; ")})` : "";
    finish(new SwapmeetError(`No holder sent anything for ${seconds(stallMs)}${why}`));
  };
  let stallTimer = setTimeout(checkStall, stallMs);
  const stop = () => finish(new SwapmeetError("stopped"));
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener("abort", stop, { once: true });

  const ctx: WorkerContext = {
    sha256,
    part,
    scheduler,
    verifyEach: options.verifyEach,
    timeoutMs: options.timeoutMs,
    pipeline: options.pipeline ?? 4,
    cancel: abort.signal,
    changed: () => changed,
    notify() {
      wake();
      changed = new Promise<void>((r) => wake = r);
    },
    received(key, i) {
      sentBy[i] = key;
      sending.add(key);
      lastChunk = Date.now();
    },
    wrote(err?: unknown) {
      if (err !== undefined) {
        return finish(new LocalWriteError(`cannot write ${part.partPath}: ${osErrorText(err)}`));
      }
      options.onChunk?.(sending.size);
      if (scheduler.finished) finish();
    },
  };
  const workers = holders.map((holder, key) => {
    scheduler.addHolder(key, holder.partial ? new Uint8Array(0) : null);
    return fetchFromHolder(key, holder, options.connect, ctx).catch((err) => {
      if (abort.signal.aborted) return;
      const reason = (err as Error).message;
      failures.push(`peer ${holder.id} (${holder.host}:${holder.port}): ${reason}`);
      options.onDrop?.(holder, reason);
    }).finally(() => {
      scheduler.drop(key);
      sending.delete(key);
      ctx.notify();
    });
  });
  Promise.all(workers).then(() => ended());
  await end;
  clearTimeout(stallTimer);
  options.signal?.removeEventListener("abort", stop);
  abort.abort();
  await Promise.all(workers); // quick: their connections are closed
  if (failure) throw failure;
  if (!scheduler.finished) {
    throw new SwapmeetError(failures.length > 0 ? failures.join("; ") : "no holder could be used");
  }
  return result;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? plural(ms / 1000, "second") : `${ms} ms`;
}
