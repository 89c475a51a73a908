import assert from "node:assert/strict";
import { MessageConnection } from "../../shared/connection.ts";
import { errorMessage } from "../../shared/errors.ts";
import { acceptHello } from "../../shared/handshake.ts";
import type { SearchResult } from "../../shared/protocol.ts";
import { runMain, tempDir } from "../_helpers.ts";

// Anything a terminal would act on: C0 (but the line feed), DEL, C1, bidi overrides and
// marks, line separators.
const UNSAFE = new RegExp(
  "[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029" +
    "\\u202a-\\u202e\\u2066-\\u2069]",
);

const HOSTILE = "\x1b]0;PWNED-TITLE\x07\x1b[2J\rfake\u009b31m\u202e";

const RESULT: SearchResult = {
  name: `notes\u202etxt.exe${HOSTILE}`,
  type: "txt",
  size: 5,
  mtime: 0,
  sha256: "a".repeat(64),
  description: `keywords ${HOSTILE}`,
  chunkSize: 1048576,
  chunkRoot: "c".repeat(64),
  peers: [{
    id: 1,
    host: `10.0.0.1${HOSTILE}`,
    port: 1,
    sharedAt: `2026-01-01T00:00:00Z${HOSTILE}`,
    name: `other${HOSTILE}`,
    rttMs: 3,
  }],
};

/** A hostile index server: every answer carries terminal escapes and bidi overrides. */
function hostileIndex() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<MessageConnection>();
  const serve = async (conn: MessageConnection) => {
    await acceptHello(conn, { timeoutMs: 5_000 });
    await conn.send({ type: "HI", status: "ok", peerId: 7 });
    for (;;) {
      const req = await conn.receive(5_000);
      if (req === null || req.type === "BYE") return;
      if (req.type === "SEARCH" && req.query === "boom") {
        await conn.send(
          errorMessage(
            "INTERNAL",
            `it broke ${HOSTILE}\nSaved /tmp/forged (SHA-256 verified)\u2028again\u200f`,
          ),
        );
      } else if (req.type === "REGISTER") {
        await conn.send({ type: "REGISTERED", status: "ok", count: req.files.length, total: 1 });
      } else if (req.type === "SEARCH" || req.type === "LIST") {
        await conn.send({ type: "FOUND", status: "ok", results: [RESULT], truncated: true });
      }
    }
  };
  (async () => {
    for await (const tcp of listener) {
      const conn = new MessageConnection(tcp);
      conns.add(conn);
      serve(conn).catch(() => {}).finally(() => conn.close());
    }
  })();
  return {
    address: `127.0.0.1:${listener.addr.port}`,
    [Symbol.dispose]() {
      listener.close();
      for (const c of conns) c.close();
    },
  };
}

function assertSafe(text: string, what: string) {
  const m = UNSAFE.exec(text);
  assert.equal(
    m,
    null,
    `${what} has U+${m?.[0].charCodeAt(0).toString(16)}: ${JSON.stringify(text)}`,
  );
}

Deno.test("search, --json, errors and the menu print no terminal escapes or bidi overrides from the network", async () => {
  using index = hostileIndex();
  const text = await runMain(["search", "notes", "--server", index.address]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /\\x1b\]0;PWNED-TITLE\\x07\\x1b\[2J\\x0dfake\\x9b31m\\u202e/);
  assertSafe(text.stdout, "search");
  assertSafe(text.stderr, "search's notes");

  const json = await runMain(["search", "notes", "--json", "--server", index.address]);
  assertSafe(json.stdout, "search --json");
  assert.deepEqual(JSON.parse(json.stdout), [RESULT], "the JSON still carries the exact text");

  const error = await runMain(["search", "boom", "--server", index.address]);
  assert.equal(error.code, 1);
  assert.match(error.stderr, /^error: .*it broke \\x1b\]0;PWNED/);
  assertSafe(error.stderr, "error line");
  assert.equal(error.stderr.trimEnd().split("\n").length, 1, `one line: ${error.stderr}`);

  await using share = await tempDir({ "a.txt": "a" });
  await using cwd = await tempDir();
  const [host, port] = index.address.split(":");
  const menu = await runMain([], {
    cwd: cwd.path,
    stdinText: ["2", host, port, share.path, "0", "", "1", "notes", "", "2", "4", ""].join("\n"),
  });
  assert.equal(menu.code, 0, menu.stderr + menu.stdout);
  assert.match(menu.stdout, /notes\\u202etxt\.exe/);
  assertSafe(menu.stdout, "menu");
});
