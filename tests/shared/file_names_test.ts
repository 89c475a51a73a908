import assert from "node:assert/strict";

import { join, resolve, sep } from "node:path";
import { isValidSharedName, numberedName, safeFileName } from "../../shared/file_names.ts";
import { HOSTILE_NAMES as HOSTILE } from "./_hostile_names.ts";

Deno.test("isValidSharedName accepts relative names and refuses escapes", () => {
  for (const ok of ["a.txt", "music/jazz/a.mp3", "Ünïcode/ファイル.txt", "a..b.txt"]) {
    assert.ok(isValidSharedName(ok), ok);
  }
  for (
    const bad of [
      "",
      "/abs",
      "../x",
      "a/../b",
      "a//b",
      "a/./b",
      "a\\b",
      "nul\u0000",
      "x".repeat(1025),
      "dir/",
    ]
  ) {
    assert.ok(!isValidSharedName(bad), JSON.stringify(bad));
  }
  assert.equal(numberedName("song.mp3", 2), "song (2).mp3");
  assert.equal(numberedName("README", 1), "README (1)");
});

Deno.test("names from the network become one safe file name inside the output folder", async (t) => {
  const out = resolve("/tmp/swapmeet-out");
  for (const [hostile, expected] of HOSTILE) {
    await t.step(JSON.stringify(hostile).slice(0, 40), () => {
      const safe = safeFileName(hostile, "fallback.bin");
      assert.equal(safe, expected);
      assert.ok(resolve(join(out, safe)).startsWith(out + sep), `${safe} stays inside`);
      // deno-lint-ignore no-control-regex
      assert.ok(!safe.includes("/") && !safe.includes("\\") && !/[\u0000-\u001f]/.test(safe));
    });
  }
});

Deno.test("a saved name is cut to 200 UTF-8 bytes, keeping its extension, whatever the characters", () => {
  const name = safeFileName("é".repeat(150) + ".pdf", "fallback.bin");
  assert.ok(new TextEncoder().encode(name).length <= 200, `${name.length} characters`);
  assert.equal(name, "é".repeat(98) + ".pdf");
  const wide = safeFileName("\u{1f4da}".repeat(100) + ".txt", "fallback.bin");
  assert.equal(wide, "\u{1f4da}".repeat(49) + ".txt", "no character is cut in half");
});
