import assert from "node:assert/strict";
import { humanBytes, terminalSafe } from "../../shared/text.ts";

Deno.test("terminalSafe shows C0, DEL, C1 and bidi overrides as escapes and keeps the rest", () => {
  assert.equal(
    terminalSafe("a\x1b]0;x\x07b\r\n\t\x7f\u0085\u009bc\u202a\u202e\u2066\u2069d"),
    "a\\x1b]0;x\\x07b\\x0d\\x0a\\x09\\x7f\\x85\\x9bc\\u202a\\u202e\\u2066\\u2069d",
  );
  assert.equal(terminalSafe("Café déjà vu — ファイル.txt"), "Café déjà vu — ファイル.txt");
});

Deno.test("humanBytes shows whole bytes below 1 KiB (a rate of 570.12 B/s reads 570 B)", () => {
  assert.equal(humanBytes(570.1247775087936), "570 B");
  assert.equal(humanBytes(10), "10 B");
  assert.equal(humanBytes(1536), "1.5 KiB");
  assert.equal(humanBytes(3 * 1024 * 1024), "3.0 MiB");
});
