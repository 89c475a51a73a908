import assert from "node:assert/strict";
import { join } from "node:path";
import { findLocalCopy } from "../../peer/local_copy.ts";
import { sha256Hex, tempDir } from "../_helpers.ts";

Deno.test("a copy in the download folder is found by content, whatever its name", async () => {
  await using out = await tempDir({
    "other.bin": "same size!",
    "renamed.bin": "the bytes",
    ".hidden": "the bytes",
    "x.part": "the bytes",
  });
  const sha = await sha256Hex(new TextEncoder().encode("the bytes"));
  assert.deepEqual(await findLocalCopy(sha, 9, [], out.path, "wanted.bin"), {
    path: join(out.path, "renamed.bin"),
    where: "download folder",
  });
  assert.equal(await findLocalCopy("0".repeat(64), 9, [], out.path, "wanted.bin"), null);
  assert.equal(await findLocalCopy(sha, 9, [], join(out.path, "nope"), "x"), null);
});
