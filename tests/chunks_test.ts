import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { hashFileChunks } from "../peer/file_hasher.ts";
import { HASH_CACHE_FILE } from "../peer/hash_cache.ts";
import { parseRate, RateLimiter } from "../peer/rate_limiter.ts";
import { scanShare } from "../peer/share_folder.ts";
import { UploadSlots } from "../peer/upload_slots.ts";
import {
  chunkCount,
  chunkListMatches,
  chunkRange,
  chunkRoot,
  chunkSizeFor,
  decodeChunkBitmap,
  encodeChunkBitmap,
  hasChunk,
  MIN_CHUNK_SIZE,
} from "../shared/chunks.ts";
import { randomBytes, tempDir } from "./_helpers.ts";

const MiB = 1024 * 1024;

Deno.test("chunk size is 1 MiB, doubling only past 8192 chunks", () => {
  assert.equal(chunkSizeFor(0), MiB);
  assert.equal(chunkSizeFor(8192 * MiB), MiB);
  assert.equal(chunkSizeFor(8192 * MiB + 1), 2 * MiB);
  assert.equal(chunkSizeFor(100 * 1024 * MiB), 16 * MiB);
  assert.equal(chunkCount(0, MiB), 1);
  assert.equal(chunkCount(MiB + 1, MiB), 2);
  assert.deepEqual(chunkRange(1, MiB + 5, MiB), { offset: MiB, length: 5 });
  assert.deepEqual(chunkRange(0, 3, MiB), { offset: 0, length: 3 });
});

Deno.test("chunk root is SHA-256 over the binary chunk hashes (byte vector)", () => {
  const a = createHash("sha256").update("a").digest("hex");
  const b = createHash("sha256").update("b").digest("hex");
  const expected = createHash("sha256").update(Buffer.from(a + b, "hex")).digest("hex");
  assert.equal(chunkRoot([a, b]), expected);
  assert.equal(
    expected,
    "e5a01fee14e0ed5c48714f22180f25ad8365b53f9779f79dc4a3d7e93963f94a",
    "docs/protocol.md example",
  );
  assert.equal(chunkRoot([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const list = { size: MiB + 1, chunkSize: MiB, hashes: [a, b] };
  assert.ok(chunkListMatches(list, { size: MiB + 1, chunkSize: MiB, chunkRoot: expected }));
  assert.ok(
    !chunkListMatches({ ...list, hashes: [b, a] }, {
      size: MiB + 1,
      chunkSize: MiB,
      chunkRoot: expected,
    }),
  );
  assert.ok(
    !chunkListMatches({ ...list, hashes: [a] }, {
      size: MiB + 1,
      chunkSize: MiB,
      chunkRoot: chunkRoot([a]),
    }),
  );
});

Deno.test("hashFileChunks gives the whole-file and per-chunk SHA-256 in one pass", async () => {
  const bytes = randomBytes(2 * MIN_CHUNK_SIZE + 77, 9);
  await using dir = await tempDir({ "f.bin": bytes, "empty": "" });
  const h = await hashFileChunks(join(dir.path, "f.bin"));
  assert.equal(h.sha256, createHash("sha256").update(bytes).digest("hex"));
  assert.equal(h.chunkHashes.length, 3);
  assert.equal(
    h.chunkHashes[2],
    createHash("sha256").update(bytes.subarray(2 * MIN_CHUNK_SIZE)).digest("hex"),
  );
  const empty = await hashFileChunks(join(dir.path, "empty"));
  assert.deepEqual(empty.chunkHashes, [empty.sha256]);
});

Deno.test("the hash cache means a rescan hashes only new or changed files", async () => {
  await using dir = await tempDir({ "a.txt": "aaa", "b.txt": "bbb", "sub/c.txt": "ccc" });
  const first = await scanShare(dir.path);
  assert.equal(first.hashed, 3);
  const cache = JSON.parse(await Deno.readTextFile(join(dir.path, HASH_CACHE_FILE)));
  assert.deepEqual(Object.keys(cache.entries).sort(), ["a.txt", "b.txt", "sub/c.txt"]);
  assert.equal((await scanShare(dir.path)).hashed, 0);
  await Deno.writeTextFile(join(dir.path, "b.txt"), "changed");
  await Deno.writeTextFile(join(dir.path, "d.txt"), "new");
  const third = await scanShare(dir.path);
  assert.equal(third.hashed, 2);
  assert.equal(
    third.files.find((f) => f.name === "b.txt")?.sha256,
    createHash("sha256").update("changed").digest("hex"),
  );
  assert.ok(!third.files.some((f) => f.name === HASH_CACHE_FILE), "the cache is never shared");
});

Deno.test("parseRate reads decimal and binary units", () => {
  const table: [string, number][] = [
    ["10M", 10_000_000],
    ["10MB", 10_000_000],
    ["10MB/s", 10_000_000],
    ["512K", 512_000],
    ["2MiB", 2 * MiB],
    ["1.5G", 1_500_000_000],
    ["4096", 4096],
  ];
  for (const [text, rate] of table) assert.equal(parseRate(text), rate, text);
  for (const bad of ["", "fast", "-5M", "0", "10X"]) {
    assert.throws(() => parseRate(bad), RangeError, bad);
  }
});

Deno.test("the rate limiter makes a stream beyond its burst wait for its rate", async () => {
  const limiter = new RateLimiter(1_000_000);
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) await limiter.take(50_000);
  const secs = (performance.now() - t0) / 1000;
  assert.ok(secs >= 0.35, `500 kB at 1 MB/s with a 50 kB burst took ${secs.toFixed(2)} s`);
});

Deno.test("upload slots are granted first come, first served, with queue positions", () => {
  const slots = new UploadSlots<string>(2);
  assert.deepEqual(slots.acquire("a"), { granted: true });
  assert.deepEqual(slots.acquire("b"), { granted: true });
  assert.deepEqual(slots.acquire("c"), { granted: false, position: 1 });
  assert.deepEqual(slots.acquire("d"), { granted: false, position: 2 });
  assert.deepEqual(slots.acquire("a"), { granted: true }, "a holder keeps its slot");
  slots.release("a");
  assert.deepEqual(slots.acquire("d"), { granted: false, position: 2 }, "d may not jump the queue");
  assert.deepEqual(slots.acquire("c"), { granted: true });
  assert.deepEqual(slots.acquire("d"), { granted: false, position: 1 });
  slots.release("d");
  assert.equal(slots.waiting, 0);
  assert.equal(slots.inUse, 2);
});

Deno.test("a chunk bitmap: bit i of byte i >> 3, least significant first, in base64", () => {
  const bits = new Uint8Array([0b00000101, 0b10000000]); // chunks 0, 2 and 15
  assert.equal(encodeChunkBitmap(bits), "BYA=");
  const back = decodeChunkBitmap("BYA=", 16);
  assert.deepEqual(back, bits);
  assert.deepEqual([...Array(16).keys()].filter((i) => hasChunk(back, i)), [0, 2, 15]);
});

Deno.test("a chunk bitmap from the network is cut to the file's chunks; bad base64 means none", () => {
  // 10 chunks: bits 10 … 15 of the second byte and a third byte mean nothing.
  assert.deepEqual(
    decodeChunkBitmap(encodeChunkBitmap(new Uint8Array([255, 255, 255])), 10),
    new Uint8Array([255, 3]),
  );
  assert.deepEqual(decodeChunkBitmap("not base64!", 10), new Uint8Array(2));
  assert.deepEqual(decodeChunkBitmap("", 3), new Uint8Array(1));
});
