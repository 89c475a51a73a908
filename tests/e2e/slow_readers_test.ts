/**
 * Clients that ask the index for big replies and never read them, over real
 * TCP: what the server holds for them stays within its reply budget, a reply
 * nobody takes closes its connection after the write stall time, and other
 * clients are answered meanwhile.
 * @module
 */
import assert from "node:assert/strict";
import net from "node:net";
import { IndexClient } from "../../peer/index_client.ts";
import type { IndexConnector } from "../../peer/index_connector.ts";
import { SMALL_REPLY_BYTES } from "../../server/reply_budget.ts";
import { DEFAULT_LIMITS } from "../../server/requests.ts";
import type { ByteStream } from "../../shared/connection.ts";
import { encodeMessageFrame } from "../../shared/codec.ts";
import { type FileRecord, type Message, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { testServer, waitFor } from "../_helpers.ts";

/** 1,000 records whose SEARCH "heavy" with limit 1000 answers about 700 KB. */
function heavyRecords(): FileRecord[] {
  return Array.from({ length: 1000 }, (_, i) => ({
    name: `heavy${i}.txt`,
    type: "txt",
    size: 1,
    mtime: 0,
    sha256: i.toString(16).padStart(64, "0"),
    description: "lorem ipsum ".repeat(40),
    chunkSize: 1048576, // chunkSizeFor(1)
    chunkRoot: "e".repeat(64),
  }));
}

const HEAVY: Message = { type: "SEARCH", query: "heavy", limit: 1000 };

/** A node:net socket from `localAddress` (node's connect can choose it; Deno's cannot). */
async function socketFrom(localAddress: string, port: number): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {});
  return socket;
}

/** Ends sockets and waits until each has closed. */
async function destroyAll(sockets: net.Socket[]): Promise<void> {
  await Promise.all(sockets.map((s) =>
    s.closed ? undefined : new Promise<void>((resolve) => {
      s.once("close", () => resolve());
      s.destroy();
    })
  ));
}

/**
 * A client at `localAddress` that says HELLO and pipelines `searches` heavy
 * SEARCHes, and never reads a byte (not even PING).
 */
async function silentFlooder(localAddress: string, port: number, searches: number) {
  const socket = await socketFrom(localAddress, port);
  socket.pause();
  socket.write(encodeMessageFrame({ type: "HELLO", version: PROTOCOL_VERSION, port: 0 }));
  for (let i = 0; i < searches; i++) socket.write(encodeMessageFrame(HEAVY));
  return socket;
}

/** An IndexClient connector through node:net from `localAddress`; its sockets go in `opened`. */
function connectFrom(localAddress: string, opened: net.Socket[]): IndexConnector {
  return async (server) => {
    const socket = await socketFrom(localAddress, server.port);
    opened.push(socket);
    const chunks: Uint8Array[] = [];
    let ended = false;
    let wake = () => {};
    socket.on("data", (d: Uint8Array) => (chunks.push(d), wake()));
    socket.on("close", () => (ended = true, wake()));
    const stream: ByteStream = {
      async read(p) {
        while (chunks.length === 0) {
          if (ended) return null;
          await new Promise<void>((r) => wake = r);
        }
        const n = Math.min(p.length, chunks[0].length);
        p.set(chunks[0].subarray(0, n));
        if (n === chunks[0].length) chunks.shift();
        else chunks[0] = chunks[0].subarray(n);
        return n;
      },
      write: (p) =>
        new Promise((resolve, reject) =>
          socket.write(p.slice(), (err) => err ? reject(err) : resolve(p.length))
        ),
      close: () => socket.destroy(),
    };
    return { stream };
  };
}

Deno.test("clients that pipeline heavy SEARCHes and never read hold at most their address's share of the reply budget; others still get whole replies", async () => {
  // Neither heartbeats nor the write stall end the flooders during the test.
  await using index = testServer({ heartbeatSeconds: 60, limits: { writeStallMs: 60_000 } });
  const port = index.port;
  const filler = await IndexClient.connect(index.address, { port: 7000 });
  await filler.register(heavyRecords());
  const elsewhere = await IndexClient.connect(index.address); // from 127.0.0.1
  const whole = await elsewhere.search("heavy", 1000);
  assert.deepEqual([whole.results.length, whole.truncated], [1000, false]);

  const sockets: net.Socket[] = [];
  try {
    // 24 clients at 127.0.0.2 ask for about 200 MB they never read: the kernel takes a few
    // MB per connection, and then each has one reply waiting in the server.
    for (let i = 0; i < 24; i++) sockets.push(await silentFlooder("127.0.0.2", port, 12));
    // A reader at the same address gets what the address may still hold: a cut reply.
    const neighbour = await IndexClient.connect(index.address, {
      connect: connectFrom("127.0.0.2", sockets),
    });
    const cut = await waitFor(
      async () => {
        const page = await neighbour.search("heavy", 1000);
        return page.truncated && page.results.length < 1000 ? page : null;
      },
      "a reply cut to what 127.0.0.2 may still have waiting",
      20_000,
    );
    assert.ok(cut.results.length > 0, "never less than a small reply's worth");
    const held = index.server.heldReplyBytes;
    const share = DEFAULT_LIMITS.maxHeldReplyBytesPerAddress;
    // Past the share, each connection adds at most one small reply.
    assert.ok(held <= share + 25 * SMALL_REPLY_BYTES, `${held} bytes held`);
    assert.ok(held >= share / 2, `${held} bytes held: the flooders' replies are counted`);
    // A client at another address is not charged for them.
    const again = await elsewhere.search("heavy", 1000);
    assert.deepEqual([again.results.length, again.truncated], [1000, false]);
    await neighbour.bye();
  } finally {
    await destroyAll(sockets);
    await elsewhere.bye();
    await filler.bye();
  }
  await waitFor(() => index.server.heldReplyBytes === 0, "the flooders' replies given back");
});

Deno.test("a client that takes nothing of its reply for the write stall time is closed, not 3 heartbeats later; others are answered", async () => {
  await using index = testServer({ heartbeatSeconds: 60, limits: { writeStallMs: 300 } });
  const filler = await IndexClient.connect(index.address, { port: 7000 });
  await filler.register(heavyRecords());
  const stuck = await Deno.connect({ hostname: "127.0.0.1", port: index.port });
  try {
    const hello = { type: "HELLO", version: PROTOCOL_VERSION, port: 40000, name: "stuck" } as const;
    await stuck.write(encodeMessageFrame(hello));
    // More than the kernel takes for a connection nobody reads; the writes are not awaited.
    for (let i = 0; i < 20; i++) stuck.write(encodeMessageFrame(HEAVY)).catch(() => {});
    const probe = await filler.search("heavy", 10);
    assert.equal(probe.results.length, 10);
    await waitFor(
      () => index.lines.some((l) => /\(stuck\) .* left \(timeout\)/.test(l)),
      `the stuck client closed for its stalled reply, in:\n${index.lines.join("\n")}`,
      15_000,
    );
    assert.equal((await filler.search("heavy", 10)).results.length, 10);
  } finally {
    stuck.close();
    await filler.bye();
  }
});
