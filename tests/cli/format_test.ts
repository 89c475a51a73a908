import assert from "node:assert/strict";
import {
  formatHolders,
  formatResults,
  formatResultsWithHolders,
  safeJson,
} from "../../cli/format.ts";
import type { SearchResult } from "../../shared/protocol.ts";

const EVIL = "\x1b[2J\u202e";

const ONE: SearchResult = {
  name: `song${EVIL}.mp3`,
  type: "mp3",
  size: 2048,
  mtime: 0,
  sha256: "f".repeat(64),
  description: `jazz${EVIL}`,
  chunkSize: 1048576,
  chunkRoot: "c".repeat(64),
  peers: [{
    id: 4,
    host: `10.0.0.4${EVIL}`,
    port: 5000,
    sharedAt: "2026-11-22T04:30:01.123Z",
    name: `music/song${EVIL}.mp3`,
    rttMs: 2,
  }],
};

Deno.test("results: one source, holder lines with address, time and ping, network text made visible", () => {
  assert.deepEqual(formatResultsWithHolders([ONE]), [
    "  1. song\\x1b[2J\\u202e.mp3    2.0 KiB  1 source    ffffffffffff  (jazz\\x1b[2J\\u202e)",
    "       peer 4  10.0.0.4\\x1b[2J\\u202e:5000  shared 2026-11-22 04:30:01 UTC  ping 2 ms  as music/song\\x1b[2J\\u202e.mp3",
  ]);
});

Deno.test("a file only you hold says so; you are marked in holder tables", () => {
  assert.match(formatResults([ONE], 4)[0], / only you /);
  assert.match(
    formatResults([{ ...ONE, peers: [...ONE.peers, { ...ONE.peers[0], id: 5 }] }])[0],
    /2 sources/,
  );
  assert.match(
    formatHolders(ONE.peers, 4)[1],
    /^ {2}4 \(you\) {2}10\.0\.0\.4\\x1b\[2J\\u202e:5000/,
  );
});

Deno.test("other names the server lists are shown", () => {
  const named = { ...ONE, names: ["tune.mp3"] } as SearchResult;
  assert.match(formatResults([named])[0], /also named tune\.mp3$/);
});

Deno.test("--json keeps the exact text but no raw C1 or bidi characters", () => {
  const text = safeJson([{ name: "a\u009bb\u202ec\x1b" }]);
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/.test(text), text);
  assert.deepEqual(JSON.parse(text), [{ name: "a\u009bb\u202ec\x1b" }]);
});
