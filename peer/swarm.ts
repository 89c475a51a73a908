/**
 * Fetches the missing chunks of a PartFile from many holders at once: one
 * connection per holder with a few requests in flight, each chunk verified on
 * arrival. A holder that sends a bad chunk is dropped; a holder that fails
 * costs only its in-flight chunks, which go back to the queue.
 * @module
 */
import { createHash } from "node:crypto";
import { chunkRange, decodeChunkBitmap, hasChunk } from "../shared/chunks.ts";
import { MessageConnection } from "../shared/connection.ts";
import { delay } from "../shared/deadline.ts";
import { LocalWriteError, RemoteError, SwapmeetError } from "../shared/errors.ts";
import { sayHello } from "../shared/handshake.ts";
import { osErrorText } from "../shared/text.ts";
import type { Holder } from "../shared/protocol.ts";
import { dial } from "../net/dial.ts";
import type { PartFile } from "./part_file.ts";

/** Options for fetchChunks. */
export interface SwarmOptions {
  timeoutMs: number;
  secret?: string;
  /** Requests in flight per holder (default 4). */
  pipeline?: number;
  /** Called after each verified chunk. */
  onChunk?: (sources: number) => void;
  /** Called when a holder is dropped. */
  onDrop?: (holder: Holder, reason: string) => void;
  /** Time a holder still downloading may go without a chunk we want before it is dropped. */
  partialStallMs?: number;
}

/** How often a holder that is still downloading is asked again which chunks it has, when it has none we want. */
const HAVE_REFRESH_MS = 1000;
/** Refusals in a row after which a holder still downloading is dropped. */
const MAX_PARTIAL_REFUSALS = 20;
/** A holder still downloading that has had none of the chunks wanted for this long is dropped. */
const PARTIAL_STALL_MS = 60_000;

/**
 * Downloads every chunk not yet done. Resolves when all are done; otherwise
 * rejects with the reason of each holder that failed.
 */
export async function fetchChunks(
  part: PartFile,
  sha256: string,
  holders: Holder[],
  options: SwarmOptions,
): Promise<void> {
  const queue: number[] = [];
  for (let i = 0; i < part.count; i++) if (!part.isDone(i)) queue.push(i);
  if (queue.length === 0) return;
  const failures: string[] = [];
  let active = 0;
  let localError: Error | null = null;
  let wake: () => void = () => {};
  let changed = new Promise<void>((r) => wake = r);
  const notify = () => {
    wake();
    changed = new Promise<void>((r) => wake = r);
  };
  const { size, chunkSize } = part.target;
  const pipeline = options.pipeline ?? 4;
  const stallMs = options.partialStallMs ?? PARTIAL_STALL_MS;
  const verifyEach = part.hashes !== null && holders.length > 1;

  // With one source, ask for runs of chunks: fewer round trips, same per-chunk checks.
  const span = holders.length === 1 ? 8 : 1;

  async function worker(holder: Holder): Promise<void> {
    const inFlight: number[][] = []; // requests sent, each a run of consecutive chunks
    const writes: Promise<void>[] = [];
    let conn: MessageConnection | undefined;
    let busyWaits = 0;
    let refusals = 0;
    let counted = false;
    try {
      conn = new MessageConnection(await dial(holder.host, holder.port, options.timeoutMs));
      await sayHello(conn, { port: 0 }, { secret: options.secret, timeoutMs: options.timeoutMs });
      // A holder still downloading the file serves only the chunks it has (null: all).
      const c = conn;
      const askHave = async (): Promise<Uint8Array | null> => {
        await c.send({ type: "CHUNKS", sha256 });
        const list = await c.expect(["CHUNK_LIST"], options.timeoutMs);
        if (list.sha256 !== sha256) throw new Error(`sent the chunk list of ${list.sha256}`);
        return list.have === undefined ? null : decodeChunkBitmap(list.have, part.count);
      };
      let have = holder.partial ? await askHave() : null;
      const wanted = (i: number | undefined) =>
        i !== undefined && (have === null || hasChunk(have, i));
      let lastUseful = Date.now(); // when this holder last had a chunk we wanted
      active++;
      counted = true;
      for (;;) {
        if (localError) return;
        while (inFlight.length < pipeline && queue.length > 0) {
          const at = have === null ? 0 : queue.findIndex(wanted);
          if (at < 0) break;
          lastUseful = Date.now();
          const run = queue.splice(at, 1);
          while (run.length < span && queue[at] === run[run.length - 1] + 1 && wanted(queue[at])) {
            run.push(...queue.splice(at, 1));
          }
          const offset = chunkRange(run[0], size, chunkSize).offset;
          const last = chunkRange(run[run.length - 1], size, chunkSize);
          inFlight.push(run);
          await conn.send({
            type: "DOWNLOAD",
            sha256,
            offset,
            length: last.offset + last.length - offset,
          });
        }
        if (inFlight.length === 0) {
          if (writes.length > 0) {
            await Promise.all(writes.splice(0));
            continue; // that yielded: look at the queue again before waiting
          }
          if (localError || part.doneCount === part.count) return;
          if (queue.length > 0 && have !== null) {
            // This holder has none of the chunks still wanted: ask again after a while.
            if (Date.now() - lastUseful > stallMs) {
              throw new Error(
                `is still downloading and has had none of the missing chunks for ${
                  Math.round(stallMs / 1000)
                } s`,
              );
            }
            await delay(HAVE_REFRESH_MS, changed);
            if (localError || part.doneCount === part.count) return;
            have = await askHave();
            continue;
          }
          if (queue.length > 0) continue;
          // Nothing left to ask for: wait until another worker hands chunks back or all are done.
          // The check above and this wait run without yielding, so no notify() is missed.
          await changed;
          continue;
        }
        let reply;
        try {
          reply = await conn.expect(["FILE", "BUSY"], options.timeoutMs);
        } catch (err) {
          // A holder still downloading refuses bytes while it moves its .part file to the
          // finished name: those chunks go back to the queue, and it is asked again later.
          const notHere = err instanceof RemoteError && err.code === "NOT_FOUND";
          if (!holder.partial || !notHere || ++refusals > MAX_PARTIAL_REFUSALS) throw err;
          queue.unshift(...inFlight.shift()!);
          queue.sort((a, b) => a - b);
          notify();
          have = new Uint8Array(0); // nothing until asked again
          continue;
        }
        refusals = 0;
        const run = inFlight[0]; // stays in flight (and goes back to the queue on failure) until written
        if (reply.type === "BUSY") {
          inFlight.shift();
          queue.unshift(...run);
          notify();
          if (inFlight.length === 0) {
            // Our turn in the holder's queue comes later; others may finish meanwhile.
            await delay(Math.min(2_000, 100 * 2 ** Math.min(busyWaits++, 4)), changed);
          }
          continue;
        }
        busyWaits = 0;
        const offset = chunkRange(run[0], size, chunkSize).offset;
        const last = chunkRange(run[run.length - 1], size, chunkSize);
        if (reply.offset !== offset || reply.size !== last.offset + last.length - offset) {
          throw new Error(
            `sent bytes ${reply.offset}+${reply.size} for a request of ${offset}+${
              last.offset + last.length - offset
            }`,
          );
        }
        for (const i of run) {
          const bytes = part.chunkBuffer(i);
          await conn.readInto(bytes, options.timeoutMs);
          // With one source the whole-file hash (computed in order anyway) is the check, and
          // chunks are examined only if it fails: one SHA-256 pass instead of two.
          if (verifyEach && createHash("sha256").update(bytes).digest("hex") !== part.hashes![i]) {
            throw new SwapmeetError(
              `sent chunk ${i} with a wrong SHA-256; dropped for this download`,
            );
          }
          // The disk write overlaps with reading the next chunk (a few at most outstanding).
          writes.push(
            part.writeChunk(i, bytes).then(() => {
              options.onChunk?.(active);
              if (part.doneCount === part.count) notify();
            }, (err) => {
              localError ??= new LocalWriteError(
                `cannot write ${part.partPath}: ${osErrorText(err)}`,
              );
              notify(); // wake workers waiting for work: there is none now
            }),
          );
          if (writes.length >= 4) await writes.shift();
          if (localError) throw localError;
        }
        inFlight.shift();
        if (part.doneCount === part.count) notify();
      }
    } catch (err) {
      if (err !== localError) {
        const reason = (err as Error).message;
        failures.push(`peer ${holder.id} (${holder.host}:${holder.port}): ${reason}`);
        options.onDrop?.(holder, reason);
      }
    } finally {
      await Promise.all(writes);
      if (counted) active--;
      conn?.close();
      queue.unshift(...inFlight.flat().filter((i) => !part.isDone(i)));
      queue.sort((a, b) => a - b);
      notify();
    }
  }

  await Promise.all(holders.map(worker));
  if (localError) throw localError;
  if (part.doneCount < part.count) {
    throw new SwapmeetError(failures.length > 0 ? failures.join("; ") : "no holder could be used");
  }
}
