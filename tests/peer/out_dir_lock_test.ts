import assert from "node:assert/strict";
import { join } from "node:path";
import { lockOutDir } from "../../peer/out_dir_lock.ts";
import { tempDir } from "../_helpers.ts";

Deno.test("one holder of a download folder at a time; released, it can be taken again", async () => {
  await using dir = await tempDir();
  const out = join(dir.path, "downloads");
  const first = await lockOutDir(out);
  assert.ok(first, "the first takes it (and the folder is made)");
  assert.equal(await lockOutDir(out), null, "a second is refused");
  first.release();
  const again = await lockOutDir(out);
  assert.ok(again);
  again.release();
});

Deno.test("a lock file that is a link is refused, not followed", async () => {
  await using dir = await tempDir({ "target.txt": "keep" });
  await Deno.mkdir(join(dir.path, "out"));
  await Deno.symlink(join(dir.path, "target.txt"), join(dir.path, "out", ".swapmeet-peer.lock"));
  await assert.rejects(() => lockOutDir(join(dir.path, "out")), /is not a regular file/);
  assert.equal(await Deno.readTextFile(join(dir.path, "target.txt")), "keep");
});
