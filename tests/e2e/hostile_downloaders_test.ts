/**
 * Downloaders that hold a sharing peer's upload slots or connection table
 * without using them as an honest downloader would (the security review's
 * slowread.ts and connflood.ts): an honest get still finishes. Real TCP, the
 * hostile connections from other loopback addresses (127.0.0.2, 127.0.0.3).
 */
import assert from "node:assert/strict";
import { downloadFile } from "../../peer/downloader.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { delay, withDeadline } from "../../shared/deadline.ts";
import { sayHello } from "../../shared/handshake.ts";
import { randomBytes, tempDir, waitFor } from "../_helpers.ts";
import { connectFrom } from "./_from_address.ts";
import { realHolder, resultOf } from "./_holders.ts";

const MiB = 1024 * 1024;

/** A connection from `from`, past HELLO. */
async function openFrom(from: string, port: number): Promise<MessageConnection> {
  const conn = new MessageConnection(await connectFrom(from, port));
  try {
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
  } catch (err) {
    conn.close();
    throw err;
  }
  return conn;
}

/**
 * slowread.ts: asks for the whole file, then takes 4 KiB every 50 ms (80 KB/s:
 * progress, so the 30 s write timeout never trips); asks again when done or
 * BUSY, and connects again when closed, until `stop`.
 */
async function slowReader(
  from: string,
  port: number,
  sha256: string,
  stop: AbortSignal,
  served: { fileHeaders: number },
): Promise<void> {
  const stopped = new Promise<void>((r) => stop.addEventListener("abort", () => r()));
  const buf = new Uint8Array(4096);
  while (!stop.aborted) {
    let conn: MessageConnection | null = null;
    try {
      conn = await openFrom(from, port);
      const c = conn;
      stop.addEventListener("abort", () => c.close());
      while (!stop.aborted) {
        await conn.send({ type: "DOWNLOAD", sha256 });
        const reply = await conn.expect(["FILE", "BUSY"], 30_000);
        if (reply.type === "BUSY") {
          await delay(100, stopped);
          continue;
        }
        served.fileHeaders++;
        for (let left = reply.size; left > 0 && !stop.aborted; left -= buf.length) {
          await conn.readInto(buf.subarray(0, Math.min(left, buf.length)), 30_000);
          await delay(50, stopped);
        }
      }
    } catch {
      // closed by the holder: connect again
    } finally {
      conn?.close();
    }
    await delay(50, stopped);
  }
}

Deno.test("slow readers in every upload slot, asking again and again: an honest get still finishes", async () => {
  const big = randomBytes(24 * MiB, 141);
  // Two slots, one per address: 127.0.0.2 and 127.0.0.3 take both.
  await using holder = await realHolder("huge.bin", big, 1, {
    uploadSlots: 2,
    slowSendMs: 2_000,
  });
  await using out = await tempDir();
  const stop = new AbortController();
  const served = { fileHeaders: 0 };
  const readers = ["127.0.0.2", "127.0.0.3"].map((from) =>
    slowReader(from, holder.holder.port, holder.file.sha256, stop.signal, served)
  );
  try {
    await waitFor(() => served.fileHeaders >= 2, "both slow readers to be sending", 10_000);
    // Before: each slow reader held its slot for the whole 24 MiB (5 minutes at 80 KB/s),
    // and the get stopped with "No holder sent anything for 15 seconds".
    const done = await withDeadline(
      downloadFile(resultOf(holder.file, [holder.holder]), {
        outDir: out.path,
        stallMs: 15_000,
      }),
      90_000,
      "the honest get did not finish within 90 s",
    );
    assert.equal(done.bytes, big.length);
    assert.deepEqual(await Deno.readFile(done.path), big);
  } finally {
    stop.abort();
    await Promise.all(readers);
  }
});

Deno.test("a connection table full of connections kept open with requests for nothing shared: an honest get still connects", async () => {
  const content = randomBytes(3 * MiB, 142);
  await using holder = await realHolder("notes.pdf", content, 1, {
    maxConnections: 8,
    maxConnectionsPerAddress: 4,
  });
  await using out = await tempDir();
  const stop = new AbortController();
  const stopped = new Promise<void>((r) => stop.signal.addEventListener("abort", () => r()));
  const flood: MessageConnection[] = [];
  const keepers: Promise<void>[] = [];
  try {
    for (const from of ["127.0.0.2", "127.0.0.3"]) {
      for (let i = 0; i < 4; i++) flood.push(await openFrom(from, holder.holder.port));
    }
    // connflood.ts: each asks for the chunk list of content not shared, well within
    // the idle time, and reads the NOT_FOUND.
    for (const conn of flood) {
      keepers.push(
        (async () => {
          while (!stop.signal.aborted) {
            await conn.send({ type: "CHUNKS", sha256: "0".repeat(64) });
            await conn.expect(["CHUNK_LIST"], 10_000).catch(() => {});
            await delay(200, stopped);
          }
        })().catch(() => {}),
      );
    }
    // Before: "This peer has too many connections".
    const done = await withDeadline(
      downloadFile(resultOf(holder.file, [holder.holder]), { outDir: out.path }),
      30_000,
      "the honest get did not finish within 30 s",
    );
    assert.deepEqual(await Deno.readFile(done.path), content);
  } finally {
    stop.abort();
    for (const c of flood) c.close();
    await Promise.all(keepers);
  }
});
