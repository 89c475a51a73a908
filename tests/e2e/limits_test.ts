import assert from "node:assert/strict";
import { IndexClient } from "../../peer/index_client.ts";
import { startFileServer } from "../../peer/file_server.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { encodeFrame } from "../../shared/framing.ts";
import { type ErrorCode, type Message, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { testServer, waitFor } from "../_helpers.ts";

const enc = new TextEncoder();
const HELLO: Message = { type: "HELLO", version: PROTOCOL_VERSION, port: 5000 };
const rec = (name: string, description = "") => ({
  name,
  type: "txt",
  size: 1,
  mtime: 0,
  sha256: "e".repeat(64),
  description,
  chunkSize: 1048576, // chunkSizeFor(size)
  chunkRoot: "e".repeat(64),
});

/** Opens a raw connection, sends `frames` (raw bytes), and returns the ERROR code received before close. */
async function errorAfter(
  port: number,
  frames: Uint8Array[],
  skipReplies = 0,
): Promise<ErrorCode | "closed"> {
  const conn = new MessageConnection(await Deno.connect({ hostname: "127.0.0.1", port }));
  try {
    for (const f of frames) await conn.writeRaw(f);
    for (let i = 0; i < skipReplies; i++) await conn.receive(5_000);
    const msg = await conn.receive(5_000);
    if (msg === null) return "closed";
    assert.equal(msg.type, "ERROR", `expected ERROR, got ${JSON.stringify(msg)}`);
    assert.equal(await conn.receive(5_000), null, "the connection closes after the ERROR");
    return msg.type === "ERROR" ? msg.code : "closed";
  } finally {
    conn.close();
  }
}

const frame = (m: unknown) => encodeFrame(enc.encode(JSON.stringify(m)));

Deno.test("every protocol violation and limit gets ERROR, closes that connection only", async (t) => {
  await using net = testServer({
    maxFrameBytes: 64 * 1024,
    limits: { maxFilesPerRegister: 10, maxDescriptionChars: 50, maxQueryChars: 20 },
  });
  const bystander = await IndexClient.connect(net.address, { port: 6000 });
  await bystander.register([rec("bystander.txt")]);
  const cases: [string, Uint8Array[], ErrorCode, number][] = [
    ["oversized frame prefix", [new Uint8Array([0, 0x10, 0, 0])], "FRAME_TOO_LARGE", 0],
    ["bad JSON", [encodeFrame(enc.encode("{nope"))], "BAD_FRAME", 0],
    ["unknown type", [frame({ type: "TELEPORT" })], "UNKNOWN_TYPE", 0],
    ["request before HELLO", [frame({ type: "SEARCH", query: "x" })], "BAD_STATE", 0],
    ["wrong version", [frame({ ...HELLO, version: 99 })], "VERSION", 0],
    [
      "DOWNLOAD sent to the index",
      [frame(HELLO), frame({ type: "DOWNLOAD", sha256: "e".repeat(64) })],
      "BAD_STATE",
      1,
    ],
    [
      "too many files in one REGISTER",
      [
        frame(HELLO),
        frame({ type: "REGISTER", files: Array.from({ length: 11 }, (_, i) => rec(`f${i}`)) }),
      ],
      "LIMIT",
      1,
    ],
    [
      "name with ..",
      [frame(HELLO), frame({ type: "REGISTER", files: [rec("../../etc/passwd")] })],
      "BAD_MESSAGE",
      1,
    ],
    [
      "absolute name",
      [frame(HELLO), frame({ type: "REGISTER", files: [rec("/etc/passwd")] })],
      "BAD_MESSAGE",
      1,
    ],
    [
      "name too long",
      [frame(HELLO), frame({ type: "REGISTER", files: [rec("n".repeat(1025))] })],
      "BAD_MESSAGE",
      1,
    ],
    [
      "keywords too long",
      [frame(HELLO), frame({ type: "REGISTER", files: [rec("ok.txt", "k".repeat(51))] })],
      "LIMIT",
      1,
    ],
    [
      "query too long",
      [frame(HELLO), frame({ type: "SEARCH", query: "q".repeat(21) })],
      "LIMIT",
      1,
    ],
    ["HELLO without a port", [frame({ type: "HELLO", version: 1 })], "BAD_MESSAGE", 0],
  ];
  for (const [what, frames, code, skip] of cases) {
    await t.step(what, async () => {
      assert.equal(await errorAfter(net.port, frames, skip), code);
    });
  }
  await t.step("the bystander never noticed", async () => {
    assert.equal((await bystander.search("bystander")).results.length, 1);
    assert.equal(net.server.store.sharingPeerCount, 1);
  });
  await bystander.bye();
});

Deno.test("a connection that never says HELLO is closed after the HELLO timeout", async () => {
  await using net = testServer({ limits: { helloTimeoutMs: 200 } });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: net.port });
  try {
    const t0 = Date.now();
    assert.equal(await conn.read(new Uint8Array(16)), null);
    assert.ok(Date.now() - t0 >= 150);
    await waitFor(() => net.server.connectionCount === 0, "session gone");
  } finally {
    conn.close();
  }
});

Deno.test("a HELLO trickled one byte at a time past the deadline is cut off", async () => {
  await using net = testServer({ limits: { helloTimeoutMs: 300 } });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: net.port });
  try {
    const bytes = frame(HELLO);
    const t0 = Date.now();
    let cut = false;
    for (const b of bytes) {
      if (await conn.write(new Uint8Array([b])).then(() => false, () => true)) {
        cut = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 40)); // the slow client's pace, not a wait for state
      if (Date.now() - t0 > 2_000) break;
    }
    const closed = cut || (await conn.read(new Uint8Array(8)).catch(() => null)) === null;
    assert.ok(closed, "the server closed the slow connection");
    await waitFor(() => net.server.connectionCount === 0, "session gone");
    assert.equal(net.server.store.peerCount, 0, "the slow client never joined");
  } finally {
    conn.close();
  }
});

Deno.test("results per reply are capped and marked truncated", async () => {
  await using net = testServer({ limits: { maxResults: 5 } });
  const p = await IndexClient.connect(net.address, { port: 7000 });
  try {
    await p.register(
      Array.from(
        { length: 12 },
        (_, i) => ({ ...rec(`many${i}.txt`), sha256: i.toString(16).padStart(64, "0") }),
      ),
    );
    const page = await p.search("many", 100);
    assert.equal(page.results.length, 5);
    assert.equal(page.truncated, true);
  } finally {
    await p.bye();
  }
});

Deno.test("connections beyond the per-address and total limits get ERROR LIMIT", async () => {
  for (
    const [limits, why] of [
      [
        { maxConnectionsPerAddress: 2, maxConnections: 100 },
        /Too many connections from 127\.0\.0\.1 \(limit 2\)/,
      ],
      [
        { maxConnectionsPerAddress: 100, maxConnections: 2 },
        /The server is full \(2 connections\)/,
      ],
    ] as const
  ) {
    await using net = testServer({ limits });
    const a = await IndexClient.connect(net.address);
    const b = await IndexClient.connect(net.address);
    try {
      await assert.rejects(() => IndexClient.connect(net.address), why);
      assert.equal(net.server.connectionCount, 2);
    } finally {
      await a.bye();
      await b.bye();
    }
    await waitFor(() => net.server.connectionCount === 0, "sessions gone");
    const c = await IndexClient.connect(net.address);
    await c.bye();
  }
});

Deno.test("a peer's file server refuses bad frames and extra connections the same way", async (t) => {
  const fs = startFileServer(() => undefined, {
    hostname: "127.0.0.1",
    port: 0,
    maxConnectionsPerAddress: 1,
  });
  try {
    const port = fs.addr.port;
    await t.step(
      "bad JSON",
      async () => assert.equal(await errorAfter(port, [encodeFrame(enc.encode("]"))]), "BAD_FRAME"),
    );
    await t.step(
      "oversized",
      async () =>
        assert.equal(await errorAfter(port, [new Uint8Array([1, 0, 0, 0])]), "FRAME_TOO_LARGE"),
    );
    await t.step("SEARCH to a peer", async () => {
      assert.equal(
        await errorAfter(port, [frame(HELLO), frame({ type: "SEARCH", query: "x" })], 1),
        "BAD_STATE",
      );
    });
    await t.step("unknown hash answers NOT_FOUND and keeps the connection", async () => {
      const conn = new MessageConnection(await Deno.connect({ hostname: "127.0.0.1", port }));
      try {
        await conn.send(HELLO);
        await conn.expect(["HI"]);
        await conn.send({ type: "DOWNLOAD", sha256: "f".repeat(64) });
        const reply = await conn.receive(5_000);
        assert.equal(reply?.type === "ERROR" && reply.code, "NOT_FOUND");
        assert.equal(
          await errorAfter(port, []),
          "LIMIT",
          "a second connection from the same address",
        );
        await conn.send({ type: "DOWNLOAD", sha256: "f".repeat(64) });
        assert.equal((await conn.receive(5_000))?.type, "ERROR");
      } finally {
        conn.close();
      }
    });
  } finally {
    await fs.close();
  }
});
