import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";

import { HASH_CACHE_FILE } from "../../peer/hash_cache.ts";

import { scanShare } from "../../peer/share_folder.ts";

import { tempDir } from "../_helpers.ts";

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
