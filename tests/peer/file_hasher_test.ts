import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { hashFileChunks } from "../../peer/file_hasher.ts";

import { MIN_CHUNK_SIZE } from "../../shared/chunks.ts";
import { randomBytes, tempDir } from "../_helpers.ts";

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
