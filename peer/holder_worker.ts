/**
 * The protocol loop with one holder during a download: asks the scheduler
 * what to request, keeps a few DOWNLOAD requests in flight, reads the bytes
 * into chunk buffers, checks them when asked to, and hands them to the part
 * file. Scheduling decisions live in chunk_scheduler.ts; this file only talks.
 * @module
 */
import { createHash } from "node:crypto";
import { chunkRange, decodeChunkBitmap } from "../shared/chunks.ts";
import { delay } from "../shared/deadline.ts";
import { RemoteError, SwapmeetError } from "../shared/errors.ts";
import type { Holder, Message } from "../shared/protocol.ts";
import type { ChunkScheduler, Next } from "./chunk_scheduler.ts";
import type { HolderConnector } from "./holder_connector.ts";
import type { PartFile } from "./part_file.ts";

/** Refusals in a row after which a holder still downloading is dropped. */
const MAX_PARTIAL_REFUSALS = 20;
/** Chunk writes a worker may have outstanding (each holds its chunk's buffer). */
const MAX_WRITES = 4;

/** What a worker shares with the download it is part of. */
export interface WorkerContext {
  sha256: string;
  part: PartFile;
  scheduler: ChunkScheduler;
  /** Check each chunk's SHA-256 on arrival; otherwise it is checked with the whole file. */
  verifyEach: boolean;
  timeoutMs: number;
  /** Requests in flight per holder. */
  pipeline: number;
  /** Fires when the download ends (done or failed): every worker stops. */
  cancel: AbortSignal;
  /** Resolves at the next change another worker should know of (chunks given back, done). */
  changed(): Promise<void>;
  /** Wakes the workers waiting on `changed`. */
  notify(): void;
  /** Chunk `i` from holder `key` is here (called before it is written). */
  received(key: number, i: number): void;
  /** A chunk write finished (or failed: the download cannot go on). */
  wrote(err?: unknown): void;
}

/**
 * Fetches chunks from one holder until the download ends or the holder
 * fails. Throws the reason the holder is dropped (one line, about the holder:
 * "sent chunk 3 with a wrong SHA-256").
 */
export async function fetchFromHolder(
  key: number,
  holder: Holder,
  connect: HolderConnector,
  ctx: WorkerContext,
): Promise<void> {
  const { part, scheduler, sha256, timeoutMs } = ctx;
  const conn = await connect(holder, ctx.cancel);
  const cancelled = new Promise<void>((r) => ctx.cancel.addEventListener("abort", () => r()));
  const requests: number[][] = []; // sent, each a run of consecutive chunks, oldest first
  const writes: Promise<void>[] = [];
  let refusals = 0;
  const askHave = async (): Promise<Uint8Array | null> => {
    await conn.send({ type: "CHUNKS", sha256 });
    const list = await conn.expect(["CHUNK_LIST"], timeoutMs);
    if (list.sha256 !== sha256) throw new SwapmeetError(`sent the chunk list of ${list.sha256}`);
    return list.have === undefined ? null : decodeChunkBitmap(list.have, part.count);
  };
  try {
    if (holder.partial) scheduler.setHave(key, await askHave());
    for (;;) {
      if (ctx.cancel.aborted) return;
      let next: Next = { kind: "done" };
      while (requests.length < ctx.pipeline) {
        next = scheduler.next(key, Date.now());
        if (next.kind !== "run") break;
        requests.push(next.chunks);
        await conn.send(request(sha256, next.chunks, part));
      }
      if (requests.length === 0) {
        if (next.kind === "done") return;
        if (next.kind === "wait") {
          // Back-off waits out its time; the others wake early on news.
          const wake = next.reason === "busy"
            ? cancelled
            : Promise.race([cancelled, ctx.changed()]);
          await delay(next.ms, wake);
          if (next.reason === "have" && !ctx.cancel.aborted) {
            scheduler.setHave(key, await askHave());
          }
        }
        continue;
      }
      let reply;
      try {
        reply = await conn.expect(["FILE", "BUSY"], timeoutMs);
      } catch (err) {
        // A holder still downloading refuses bytes while it moves its .part to the
        // finished name: the chunks go back, and it is asked again which it has.
        const notHere = err instanceof RemoteError && err.code === "NOT_FOUND";
        if (!holder.partial || !notHere || ++refusals > MAX_PARTIAL_REFUSALS) throw err;
        scheduler.giveBack(key, requests.shift()!);
        scheduler.setHave(key, new Uint8Array(0));
        ctx.notify();
        continue;
      }
      refusals = 0;
      const run = requests[0]; // stays listed (and goes back on failure) until read
      if (reply.type === "BUSY") {
        requests.shift();
        scheduler.busy(key, Date.now());
        scheduler.giveBack(key, run);
        ctx.notify();
        continue;
      }
      const want = span(run, part);
      if (reply.offset !== want.offset || reply.size !== want.length) {
        throw new SwapmeetError(
          `sent bytes ${reply.offset}+${reply.size} for a request of ${want.offset}+${want.length}`,
        );
      }
      for (const i of run) {
        const bytes = part.chunkBuffer(i);
        await conn.readInto(bytes, timeoutMs);
        if (ctx.verifyEach && sha256Hex(bytes) !== part.hashes![i]) {
          throw new SwapmeetError(
            `sent chunk ${i} with a wrong SHA-256; dropped for this download`,
          );
        }
        if (!scheduler.delivered(key, i)) continue; // another holder's copy came first
        ctx.received(key, i);
        writes.push(part.writeChunk(i, bytes, ctx.verifyEach).then(() => ctx.wrote(), ctx.wrote));
        if (writes.length >= MAX_WRITES) await writes.shift();
      }
      requests.shift();
    }
  } finally {
    await Promise.all(writes);
    scheduler.giveBack(key, requests.flat());
    conn.close();
    ctx.notify();
  }
}

/** The DOWNLOAD request for a run of consecutive chunks. */
function request(sha256: string, run: number[], part: PartFile): Message {
  const { offset, length } = span(run, part);
  return { type: "DOWNLOAD", sha256, offset, length };
}

/** Byte range of a run of consecutive chunks. */
function span(run: number[], part: PartFile): { offset: number; length: number } {
  const { size, chunkSize } = part.target;
  const offset = chunkRange(run[0], size, chunkSize).offset;
  const last = chunkRange(run[run.length - 1], size, chunkSize);
  return { offset, length: last.offset + last.length - offset };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
