/**
 * Fetches the missing chunks of a PartFile from many holders at once: one
 * worker per holder in use (holder_worker.ts), one scheduler deciding who
 * gets which chunk (chunk_scheduler.ts). At most `maxSources` holders are in
 * use at a time, the first of the list given; each that fails is replaced by
 * the next not yet tried, and when none sent anything for `stallMs` while
 * untried holders are left, those in use are replaced by the next ones. Ends
 * as soon as the last chunk is here, whatever the other holders are doing;
 * fails when every holder failed, when the disk refuses a write, or when no
 * holder delivered anything for `stallMs` and none is left to try.
 * @module
 */
import { LocalWriteError, SwapmeetError } from "../shared/errors.ts";
import { osErrorText, plural } from "../shared/text.ts";
import type { Holder } from "../shared/protocol.ts";
import { ChunkScheduler, type SchedulerOptions } from "./chunk_scheduler.ts";
import { holderFailure, holderFailures } from "./holder_choice.ts";
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
  /** Holders in use at once (default 8); the others wait their turn in order. */
  maxSources?: number;
  /** Requests in flight per holder (default 4). */
  pipeline?: number;
  /** Give up when no holder delivered a chunk for this long (default 60 s). */
  stallMs?: number;
  /** Scheduler tuning (tests shorten the back-offs). */
  scheduler?: SchedulerOptions;
  /** Called after each chunk written, with the number of holders sending. */
  onChunk?: (sources: number) => void;
  /** Why holders failed before this fetch (named with the others' reasons when it fails). */
  failedBefore?: readonly string[];
  /** Called when a holder is dropped, with the reason. */
  onDrop?: (holder: Holder, reason: string) => void;
  /** Called when the holders in use sent nothing for `stallMs` and others are tried instead. */
  onStall?: (replaced: number) => void;
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
  const failures: string[] = [...options.failedBefore ?? []];
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

  // Holders in use, by key (their index in `holders`), each with what stops it alone.
  const running = new Map<number, AbortController>();
  const workers: Promise<void>[] = [];
  const maxSources = Math.max(1, options.maxSources ?? 8);
  let tried = 0;

  // No chunk from anyone for stallMs: try the holders not tried yet instead of those in use;
  // when none is left, give up (the .part is kept for later).
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  let lastChunk = Date.now();
  const checkStall = () => {
    const idle = Date.now() - lastChunk;
    if (idle < stallMs) {
      stallTimer = setTimeout(checkStall, stallMs - idle);
      return;
    }
    if (tried < holders.length && running.size > 0) {
      options.onStall?.(running.size);
      for (const stopper of running.values()) {
        stopper.abort(new SwapmeetError(`sent nothing for ${seconds(stallMs)}`));
      }
      lastChunk = Date.now();
      stallTimer = setTimeout(checkStall, stallMs);
      return;
    }
    const why = failures.length > 0 ? ` (${holderFailures(failures)})` : "";
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

  const startWorker = (key: number) => {
    const holder = holders[key];
    const stopper = new AbortController();
    running.set(key, stopper);
    scheduler.addHolder(key, holder.partial ? new Uint8Array(0) : null);
    const own = { ...ctx, cancel: AbortSignal.any([abort.signal, stopper.signal]) };
    workers.push(
      fetchFromHolder(key, holder, options.connect, own).then(() => {
        if (stopper.signal.aborted && !abort.signal.aborted) throw stopper.signal.reason;
      }).catch((err) => {
        if (abort.signal.aborted) return;
        const replaced = stopper.signal.aborted; // by the stall: noted once for all of them
        const reason = ((replaced ? stopper.signal.reason : err) as Error).message;
        failures.push(holderFailure(holder, reason));
        if (!replaced) options.onDrop?.(holder, reason);
      }).finally(() => {
        running.delete(key);
        scheduler.drop(key);
        sending.delete(key);
        ctx.notify();
        fill();
      }),
    );
  };
  /** Puts the next untried holders to work while there is room; ends when nobody is left. */
  const fill = () => {
    if (abort.signal.aborted) return;
    while (running.size < maxSources && tried < holders.length) startWorker(tried++);
    if (running.size === 0) ended();
  };
  fill();
  await end;
  clearTimeout(stallTimer);
  options.signal?.removeEventListener("abort", stop);
  abort.abort();
  await Promise.all(workers); // quick: their connections are closed (and none starts now)
  if (failure) throw failure;
  if (!scheduler.finished) {
    throw new SwapmeetError(
      failures.length > 0 ? holderFailures(failures) : "no holder could be used",
    );
  }
  return result;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? plural(ms / 1000, "second") : `${ms} ms`;
}
