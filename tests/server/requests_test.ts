import assert from "node:assert/strict";
import { decodeMessage } from "../../shared/codec.ts";
import type { MessageConnection } from "../../shared/connection.ts";
import { RemoteError } from "../../shared/errors.ts";
import { FRAME_HEADER_BYTES } from "../../shared/framing.ts";
import { sayHello } from "../../shared/handshake.ts";
import type { FileRecord, Message, SearchResult } from "../../shared/protocol.ts";
import { fitReply } from "../../server/requests.ts";
import { IndexStore } from "../../server/index_store.ts";
import { pipeSession, record } from "./_records.ts";

const many = (n: number, prefix = "f") =>
  Array.from({ length: n }, (_, i) => record(`${prefix}${i}.txt`));

/** Sends REGISTER and returns the reply, or the ERROR as "CODE: message". */
async function register(client: MessageConnection, files: FileRecord[]): Promise<string> {
  await client.send({ type: "REGISTER", files });
  try {
    const reply = await client.expect(["REGISTERED"], 10_000);
    return `REGISTERED ${reply.count} ${reply.total}`;
  } catch (err) {
    if (err instanceof RemoteError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

Deno.test("REGISTER holds at most maxFilesPerRegister records", async () => {
  await using s = pipeSession({ limits: { maxFilesPerRegister: 3 } });
  await sayHello(s.client, { port: 4000 }, { timeoutMs: 5_000 });
  assert.equal(await register(s.client, many(3)), "REGISTERED 3 3");
  assert.match(
    await register(s.client, many(4, "g")),
    /^LIMIT: REGISTER holds 4 files; the limit is 3/,
  );
  assert.equal(await s.ended, "error", "a limit closes the connection");
  assert.equal(s.store.fileCount, 0, "and the peer's files leave with it");
});

Deno.test("a peer at its file limit may register again the files it shares; only new names count", async () => {
  await using s = pipeSession({ limits: { maxFilesPerPeer: 3 } });
  await sayHello(s.client, { port: 4000 }, { timeoutMs: 5_000 });
  assert.equal(await register(s.client, many(3)), "REGISTERED 3 3");
  // The same names again (one with new content): replaced, not added.
  const again = [...many(2), record("f2.txt", { content: "changed" })];
  assert.equal(await register(s.client, again), "REGISTERED 3 3");
  assert.equal(await register(s.client, [record("f1.txt"), record("f1.txt")]), "REGISTERED 2 3");
  assert.match(
    await register(s.client, [record("f0.txt"), record("new.txt")]),
    /^LIMIT: A peer may share at most 3 files \(per-peer limit\)/,
  );
});

Deno.test("all peers of one address share one file limit; the index has a total limit", async () => {
  const store = new IndexStore();
  const limits = { maxFilesPerAddress: 5, maxFiles: 8 };
  await using a = pipeSession({ store, limits, from: "10.0.0.1" });
  await using b = pipeSession({ store, limits, from: "10.0.0.1" });
  await using c = pipeSession({ store, limits, from: "10.0.0.2" });
  await using d = pipeSession({ store, limits, from: "10.0.0.3" });
  for (const s of [a, b, c, d]) await sayHello(s.client, { port: 4000 }, { timeoutMs: 5_000 });
  assert.equal(await register(a.client, many(3)), "REGISTERED 3 3");
  assert.equal(await register(b.client, many(2)), "REGISTERED 2 2");
  assert.match(
    await register(b.client, many(1, "x")),
    /^LIMIT: Peers at 10\.0\.0\.1 may share at most 5 files together \(per-address limit\)/,
  );
  assert.equal(store.filesFrom("10.0.0.1"), 3, "b's files left with b");
  assert.equal(await register(c.client, many(5)), "REGISTERED 5 5");
  assert.match(
    await register(d.client, many(1)),
    /^LIMIT: The index is full: it holds at most 8 files \(total limit\)/,
  );
  assert.equal(store.fileCount, 8);
});

Deno.test("a record whose chunk size is not the one its size gives is refused", async () => {
  await using s = pipeSession();
  await sayHello(s.client, { port: 4000 }, { timeoutMs: 5_000 });
  for (const chunkSize of [0, 1, 2 * 1024 * 1024, 256 * 1024 * 1024]) {
    const bad = { ...record("a.bin", { size: 5 * 1024 * 1024 }), chunkSize };
    const reply = await pipeReply(bad);
    assert.match(
      reply,
      /^BAD_MESSAGE: Chunk size of a\.bin is \d+; a file of 5242880 bytes has chunks of 1048576/,
    );
  }
  const big = record("big.iso", { size: 9 * 2 ** 30 });
  assert.equal(big.chunkSize, 2 * 1024 * 1024);
  assert.equal(await register(s.client, [big]), "REGISTERED 1 1");
});

/** The reply to one REGISTER of `file` on a fresh session. */
async function pipeReply(file: FileRecord): Promise<string> {
  await using s = pipeSession();
  await sayHello(s.client, { port: 4000 }, { timeoutMs: 5_000 });
  return await register(s.client, [file]);
}

Deno.test("fitReply halves a FOUND until it fits the frame, and marks it truncated", () => {
  const result = (i: number): SearchResult => ({
    ...record(`${"n".repeat(200)}${i}.txt`),
    peers: [{ id: 1, host: "h", port: 1, sharedAt: "2026-01-01T00:00:00.000Z", name: "x" }],
  });
  const found: Message = {
    type: "FOUND",
    status: "ok",
    truncated: false,
    results: Array.from({ length: 100 }, (_, i) => result(i)),
  };
  const whole = fitReply(found, 1 << 20);
  assert.equal(
    (decodeMessage(whole.subarray(FRAME_HEADER_BYTES)) as typeof found).results.length,
    100,
  );
  const frame = fitReply(found, 10_000);
  assert.ok(frame.length - FRAME_HEADER_BYTES <= 10_000);
  const cut = decodeMessage(frame.subarray(FRAME_HEADER_BYTES)) as typeof found;
  assert.equal(cut.truncated, true);
  assert.ok(cut.results.length >= 1 && cut.results.length < 100);
  assert.deepEqual(
    cut.results,
    found.results.slice(0, cut.results.length),
    "the first ones are kept",
  );
  // Not a FOUND, or one result: left as it is (the connection's limit then refuses it).
  const one = { ...found, results: [result(1)] };
  assert.equal(fitReply(one, 10).length, fitReply(one, 1 << 20).length);
});

Deno.test("LOCATE answers one result per variant, most holders first", async () => {
  const store = new IndexStore();
  await using a = pipeSession({ store, from: "10.0.0.1" });
  await using b = pipeSession({ store, from: "10.0.0.2" });
  await using c = pipeSession({ store, from: "10.0.0.3" });
  for (const s of [a, b, c]) await sayHello(s.client, { port: 4000 }, { timeoutMs: 5_000 });
  // a registers first with a bogus size; b and c agree on the honest record.
  const honest = record("talk.mp3", { content: "bytes" });
  assert.equal(
    await register(a.client, [{ ...honest, name: "x.mp3", size: honest.size + 1 }]),
    "REGISTERED 1 1",
  );
  assert.equal(await register(b.client, [honest]), "REGISTERED 1 1");
  assert.equal(await register(c.client, [{ ...honest, name: "lecture.mp3" }]), "REGISTERED 1 1");
  await a.client.send({ type: "LOCATE", sha256: honest.sha256 });
  const found = await a.client.expect(["FOUND"], 5_000);
  assert.deepEqual(
    found.results.map((r) => [r.size, r.peers.map((p) => p.id)]),
    [[honest.size, [2, 3]], [honest.size + 1, [1]]],
  );
  assert.equal(found.results[0].chunkSize, honest.chunkSize);
});

Deno.test("a peer holds at most 2 variants of one content hash; copies of one variant are not limited", async () => {
  await using s = pipeSession();
  await sayHello(s.client, { port: 4000 }, { timeoutMs: 5_000 });
  const same = { content: "same bytes" };
  // An honest share may hold one content under many names (empty files, say).
  const copies = Array.from({ length: 50 }, (_, i) => record(`copy${i}.txt`, same));
  assert.equal(await register(s.client, copies), "REGISTERED 50 50");
  // A second chunk root of the same hash: a partial download of a bogus variant, at most.
  const other = record("other.txt", { ...same, root: "e".repeat(64) });
  assert.equal(await register(s.client, [other, { ...other, name: "o2.txt" }]), "REGISTERED 2 52");
  // twins.ts: one hash, a chunk root for each record, so that each is a variant of its own.
  const twins = Array.from(
    { length: 3 },
    (_, i) => record(`t${i}`, { ...same, root: i.toString(16).padStart(64, "0") }),
  );
  assert.match(
    await register(s.client, twins),
    /^LIMIT: A peer may hold at most 2 variants \(size and chunk root\) of one content hash; [0-9a-f]{64} would have more/,
  );
  assert.equal(await s.ended, "error");
});
