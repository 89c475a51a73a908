import assert from "node:assert/strict";
import { join } from "node:path";

import { scanShare } from "../../peer/share_folder.ts";

import { sha256Hex, tempDir } from "../_helpers.ts";

Deno.test("symlinks leading outside the share are not shared; links inside are", async () => {
  await using outside = await tempDir({ "secret.txt": "top secret", "dir/inner.txt": "x" });
  await using share = await tempDir({
    "plain.txt": "plain",
    "sub/deep.txt": "deep",
    ".hidden": "h",
    "x.part": "p",
  });
  await Deno.symlink(join(outside.path, "secret.txt"), join(share.path, "leak.txt"));
  await Deno.symlink(join(outside.path, "dir"), join(share.path, "leakdir"));
  await Deno.symlink(join(share.path, "plain.txt"), join(share.path, "alias.txt"));
  await Deno.symlink("/nonexistent/target", join(share.path, "dangling.txt"));
  const { files } = await scanShare(share.path);
  assert.deepEqual(files.map((f) => f.name), ["alias.txt", "plain.txt", "sub/deep.txt"]);
  assert.equal(files[1].sha256, await sha256Hex(new TextEncoder().encode("plain")));
});

Deno.test("files whose names the network cannot take are counted, not silently lost", async () => {
  await using share = await tempDir({ "ok.txt": "fine", "bad\u001bname.txt": "x" });
  const scan = await scanShare(share.path);
  assert.deepEqual(scan.files.map((f) => f.name), ["ok.txt"]);
  assert.equal(scan.badNames, 1);
});
