import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import {
  chunkCount,
  chunkListMatches,
  chunkRange,
  chunkRoot,
  chunkSizeFor,
  decodeChunkBitmap,
  encodeChunkBitmap,
  hasChunk,
} from "../../shared/chunks.ts";

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
