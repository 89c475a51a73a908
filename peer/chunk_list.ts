/**
 * The chunk list of a file to download, from its holders. Holders are asked
 * in their order, a few at a time: one at first, another whenever an attempt
 * fails or has had no answer for `staggerMs`, at most `parallel` waited on at
 * once. The first list that matches the file's chunk root wins and the other
 * attempts are stopped. Each holder is asked at most once, so however many
 * dead or lying holders rank ahead of an honest one, it is reached after at
 * most (those ahead / `parallel`) timeouts; an honest first holder is the
 * only one asked.
 * @module
 */
import { chunkListMatches, chunkSizeFor } from "../shared/chunks.ts";
import { SwapmeetError } from "../shared/errors.ts";
import type { Holder, SearchResult } from "../shared/protocol.ts";
import { holderFailure, holderFailures } from "./holder_choice.ts";
import type { HolderConnector } from "./holder_connector.ts";

/** Options for fetchChunkList. */
export interface ChunkListOptions {
  connect: HolderConnector;
  /** Time allowed for the answer to CHUNKS (connecting has the connector's own). */
  timeoutMs: number;
  /** Most holders asked at once (default 8). */
  parallel?: number;
  /** Another holder is asked when none answered for this long (default 1 s). */
  staggerMs?: number;
  /** Stops every attempt: the fetch rejects with "stopped". */
  signal?: AbortSignal;
  /** A holder sent a list that does not match the chunk root. */
  onBadList?: (holder: Holder) => void;
}

/** A chunk list that matched, and what the attempts learned of the holders. */
export interface ChunkListResult {
  hashes: string[];
  /** The holder that sent it. */
  from: Holder;
  /** Holders that failed (unreachable, no answer, a wrong list): not worth asking for chunks. */
  failed: Set<Holder>;
  /** Why each of them failed, one line each ("peer 3 (10.0.0.3:4000): …"). */
  reasons: string[];
}

/**
 * Asks `holders` (best first) for the chunk list of `file` and resolves with
 * the first that matches its chunk root; rejects with every holder's reason
 * (a few named, the rest counted) when none did.
 */
export function fetchChunkList(
  file: SearchResult,
  holders: readonly Holder[],
  options: ChunkListOptions,
): Promise<ChunkListResult> {
  const parallel = Math.max(1, options.parallel ?? 8);
  const staggerMs = options.staggerMs ?? 1_000;
  const expected = {
    size: file.size,
    chunkSize: chunkSizeFor(file.size),
    chunkRoot: file.chunkRoot!,
  };
  const stop = new AbortController();
  const failed = new Set<Holder>();
  const failures: string[] = [];
  const attempts = new Set<Promise<void>>();
  let next = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let outcome: { result?: ChunkListResult; error?: Error } | null = null;

  /** One holder's list, or why not. */
  const ask = async (h: Holder): Promise<string[]> => {
    const conn = await options.connect(h, stop.signal);
    const close = () => conn.close();
    stop.signal.addEventListener("abort", close, { once: true });
    try {
      await conn.send({ type: "CHUNKS", sha256: file.sha256 });
      const list = await conn.expect(["CHUNK_LIST"], options.timeoutMs);
      await conn.send({ type: "BYE" }).catch(() => {});
      if (list.sha256 === file.sha256 && chunkListMatches(list, expected)) return list.hashes;
    } finally {
      stop.signal.removeEventListener("abort", close);
      conn.close();
    }
    options.onBadList?.(h);
    throw new SwapmeetError("its chunk list does not match the file's chunk root");
  };

  return new Promise<ChunkListResult>((resolve, reject) => {
    const end = (o: { result?: ChunkListResult; error?: Error }) => {
      if (outcome) return;
      outcome = o;
      clearTimeout(timer);
      stop.abort();
      options.signal?.removeEventListener("abort", stopped);
      // The other attempts end at once (their connections are closed): wait for them.
      Promise.all(attempts).then(() => o.result ? resolve(o.result) : reject(o.error));
    };
    const stopped = () => end({ error: new SwapmeetError("stopped") });
    /** Asks the next holder, if any and if there is room; ends when nothing is left. */
    const more = () => {
      clearTimeout(timer);
      if (outcome) return;
      if (attempts.size < parallel && next < holders.length) start(holders[next++]);
      if (attempts.size === 0) {
        const why = failures.length > 0 ? holderFailures(failures) : "nobody to ask";
        return end({ error: new SwapmeetError(`no holder gave a valid chunk list: ${why}`) });
      }
      if (attempts.size < parallel && next < holders.length) timer = setTimeout(more, staggerMs);
    };
    const start = (h: Holder) => {
      const attempt: Promise<void> = ask(h).then(
        (hashes) => end({ result: { hashes, from: h, failed, reasons: failures } }),
        (err) => {
          if (outcome) return;
          failed.add(h);
          failures.push(holderFailure(h, (err as Error).message));
        },
      ).finally(() => {
        attempts.delete(attempt);
        more();
      });
      attempts.add(attempt);
    };
    if (options.signal?.aborted) return stopped();
    options.signal?.addEventListener("abort", stopped, { once: true });
    more();
  });
}
