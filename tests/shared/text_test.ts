import assert from "node:assert/strict";
import { terminalSafe } from "../../shared/text.ts";

Deno.test("terminalSafe shows C0, DEL, C1 and bidi overrides as escapes and keeps the rest", () => {
  assert.equal(
    terminalSafe("a\x1b]0;x\x07b\r\n\t\x7f\u0085\u009bc\u202a\u202e\u2066\u2069d"),
    "a\\x1b]0;x\\x07b\\x0d\\x0a\\x09\\x7f\\x85\\x9bc\\u202a\\u202e\\u2066\\u2069d",
  );
  assert.equal(terminalSafe("Café déjà vu — ファイル.txt"), "Café déjà vu — ファイル.txt");
});
