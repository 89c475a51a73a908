import assert from "node:assert/strict";
import { fetchChunkList } from "../../peer/chunk_list.ts";
import { createFileService, type FileService } from "../../peer/file_server.ts";
import type { HolderConnector } from "../../peer/holder_connector.ts";
import { scanShare } from "../../peer/share_folder.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { acceptHello, sayHello } from "../../shared/handshake.ts";
import type { Holder, SearchResult } from "../../shared/protocol.ts";
import { randomBytes, tempDir, waitFor } from "../_helpers.ts";
import { pipeConnector, pipePair } from "../_pipes.ts";

const MiB = 1024 * 1024;

function holder(id: number): Holder {
  return { id, host: `10.0.0.${id}`, port: 4000, sharedAt: "2026-11-30T12:00:00Z", name: "a.bin" };
}

/**
 * Holder `honest` serves the file; holders in `silent` take CHUNKS and never
 * answer; every other holder cannot be reached. Counts connections.
 */
async function setup(honest: number, silent: number[] = []) {
  const dir = await tempDir({ "a.bin": randomBytes(3 * MiB, 401) });
  const [file] = (await scanShare(dir.path)).files;
  const services = new Map<number, FileService>([
    [honest, createFileService((sha) => sha === file.sha256 ? file : undefined)],
  ]);
  const real = pipeConnector(services);
  const stats = { connects: 0, asked: 0 };
  const connect: HolderConnector = async (h, cancel) => {
    stats.connects++;
    if (!silent.includes(h.id)) return await real(h, cancel);
    const [mine, theirs] = pipePair();
    const far = new MessageConnection(theirs);
    (async () => {
      await acceptHello(far, { timeoutMs: 5_000 });
      await far.send({ type: "HI", status: "ok", peerId: 0 });
      await far.receive(60_000); // CHUNKS, never answered
      stats.asked++;
      await far.receive(60_000);
    })().catch(() => {}).finally(() => far.close());
    const conn = new MessageConnection(mine);
    cancel.addEventListener("abort", () => conn.close(), { once: true });
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    return conn;
  };
  const { path: _p, chunkHashes: _h, part: _part, ...record } = file;
  const result = (peers: Holder[]): SearchResult => ({ ...record, peers });
  return { dir, file, result, connect, stats };
}

Deno.test("an honest first holder is the only one asked for the chunk list", async () => {
  const s = await setup(1);
  await using _dir = s.dir;
  const holders = [1, 2, 3].map(holder);
  const got = await fetchChunkList(s.result(holders), holders, {
    connect: s.connect,
    timeoutMs: 5_000,
  });
  assert.deepEqual(got.hashes, s.file.chunkHashes);
  assert.equal(got.from.id, 1);
  assert.equal(s.stats.connects, 1);
  assert.equal(got.failed.size, 0);
});

Deno.test("dead and silent holders ahead: each asked once, a few at a time, until the honest one", async () => {
  const silent = [2, 5, 9, 14];
  const s = await setup(40, silent);
  await using _dir = s.dir;
  const holders = Array.from({ length: 40 }, (_, i) => holder(i + 1));
  const got = await fetchChunkList(s.result(holders), holders, {
    connect: s.connect,
    timeoutMs: 200, // the silent ones give up after this
    parallel: 3,
    staggerMs: 50,
  });
  assert.deepEqual(got.hashes, s.file.chunkHashes);
  assert.equal(got.from.id, 40);
  assert.equal(s.stats.connects, 40, "each holder asked once");
  // The silent ones still waiting when the list came were stopped, not failed.
  const dead = holders.filter((h) => h.id !== 40 && !silent.includes(h.id));
  assert.ok(dead.every((h) => got.failed.has(h)), "every dead holder failed");
  assert.ok(got.failed.size <= 39 && !got.failed.has(got.from));
  assert.equal(got.reasons.length, got.failed.size);
  assert.match(
    got.reasons[0],
    /^peer 1 \(10\.0\.0\.1:4000\): Cannot reach 10\.0\.0\.1:4000: refused$/,
  );
});

Deno.test("when no holder gives a list, one line names a few and counts the rest", async () => {
  const s = await setup(99);
  await using _dir = s.dir;
  const holders = Array.from({ length: 20 }, (_, i) => holder(i + 1));
  await assert.rejects(
    () => fetchChunkList(s.result(holders), holders, { connect: s.connect, timeoutMs: 1_000 }),
    (err: Error) => {
      assert.match(
        err.message,
        /^no holder gave a valid chunk list: peer \d+ \(10\.0\.0\.\d+:4000\)/,
      );
      assert.match(err.message, /; and 12 other holders failed$/);
      assert.ok(!err.message.includes("\n"));
      return true;
    },
  );
});

Deno.test("a stopped chunk-list fetch rejects with 'stopped' and leaves nothing running", async () => {
  const s = await setup(99, [1, 2]);
  await using _dir = s.dir;
  const holders = [1, 2].map(holder);
  const stop = new AbortController();
  const fetching = fetchChunkList(s.result(holders), holders, {
    connect: s.connect,
    timeoutMs: 60_000,
    staggerMs: 10,
    signal: stop.signal,
  });
  await waitFor(() => s.stats.asked === 2, "both silent holders asked");
  stop.abort();
  await assert.rejects(fetching, /^SwapmeetError: stopped$/);
});
