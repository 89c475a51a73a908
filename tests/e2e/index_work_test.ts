import assert from "node:assert/strict";
import process from "node:process";
import { IndexClient } from "../../peer/index_client.ts";
import { decodeMessage, encodeMessageFrame } from "../../shared/codec.ts";
import { FrameDecoder } from "../../shared/framing.ts";
import { type FileRecord, type Message, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { testServer, waitFor } from "../_helpers.ts";

const hex = (i: number) => i.toString(16).padStart(64, "0");

/** A record of content `sha` (one size, one chunk root). */
function rec(name: string, description: string, sha: string): FileRecord {
  const root = "1".repeat(64);
  return {
    name,
    type: "file",
    size: 1,
    mtime: 0,
    sha256: sha,
    description,
    chunkSize: 1048576,
    chunkRoot: root,
  };
}

/** CPU time this process has used, in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

/**
 * A client that only frames its replies (answering PINGs): decoding a
 * megabyte reply here would hold this process's event loop, which the test
 * measures for the server.
 */
async function rawClient(port: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const decoder = new FrameDecoder();
  const buf = new Uint8Array(256 * 1024);
  const next = async (): Promise<Uint8Array> => {
    for (;;) {
      const payload = decoder.next();
      if (payload) return payload;
      const n = await conn.read(buf);
      if (n === null) throw new Error("the server closed the connection");
      decoder.push(buf.subarray(0, n));
    }
  };
  const reply = async (): Promise<Uint8Array> => {
    for (;;) {
      const payload = await next();
      if (payload.length > 64) return payload;
      const msg = decodeMessage(payload);
      if (msg.type !== "PING") return payload;
      await conn.write(encodeMessageFrame({ type: "PONG", status: "ok", seq: msg.seq }));
    }
  };
  await conn.write(encodeMessageFrame({ type: "HELLO", version: PROTOCOL_VERSION, port: 0 }));
  await reply();
  return { conn, reply };
}

Deno.test("a hostile index and 48 hostile requests sent at once never hold the event loop more than a request's budget (tens of ms); heartbeats go on", async () => {
  await using net = testServer({ heartbeatSeconds: 1 }); // a peer silent for 3 s is dropped
  const store = net.server.store;
  // The hostile index, straight into the store (over TCP it would only take longer to build):
  // two peers with 20,000 copies each of one file, and records whose text folds to 18 times
  // its length (U+FDFA) or takes a mark off every letter ("é"), so a query that needs the
  // text check (a word spanning punctuation) folds all of each candidate again.
  for (const host of ["10.0.0.1", "10.0.0.2"]) {
    const peer = store.addPeer({ host, port: 4000 });
    const copies = Array.from({ length: 20_000 }, (_, j) => rec(`t${j}`, "", "ab".repeat(32)));
    await store.register(peer.id, copies);
  }
  const wide = store.addPeer({ host: "10.0.0.3", port: 4000 });
  const filler = (c: string, j: number) =>
    rec(`ab cd ${c.repeat(1000)} ${j}`.slice(0, 1024), c.repeat(1000), hex(j));
  await store.register(wide.id, [
    ...Array.from({ length: 2_000 }, (_, j) => filler("\ufdfa", j)),
    ...Array.from({ length: 5_000 }, (_, j) => filler("é", 10_000 + j)),
  ]);

  const watcher = await IndexClient.connect(net.address, { port: 5000 });
  const hostile = await rawClient(net.port);
  // The longest the event loop went without a turn: in CPU time, so that another process
  // that has the machine's cores for a while (tests run in parallel) does not count.
  let worst = 0;
  let worstWall = 0;
  let last = performance.now();
  let lastCpu = cpuMs();
  const ticker = setInterval(() => {
    const now = performance.now();
    const cpu = cpuMs();
    worst = Math.max(worst, Math.min(now - last, cpu - lastCpu));
    worstWall = Math.max(worstWall, now - last);
    [last, lastCpu] = [now, cpu];
  }, 1);
  const started = performance.now();
  const pings = watcher.pingsAnswered;
  try {
    // Sent at once, without waiting for replies: the server reads them one after another.
    const requests: Message[] = Array.from({ length: 12 }, (): Message[] => [
      { type: "SEARCH", query: "ab.cd", limit: 1000 },
      { type: "SEARCH", query: "t", limit: 1000 },
      { type: "LOCATE", sha256: "ab".repeat(32) },
      { type: "LIST", limit: 1000 },
    ]).flat();
    await hostile.conn.write(concat(requests.map(encodeMessageFrame)));
    const replies: Uint8Array[] = [];
    for (const _ of requests) replies.push(await hostile.reply());
    const ms = performance.now() - started;
    clearInterval(ticker);
    // Let a heartbeat or two more come: the watcher is still there and answering.
    await waitFor(() => watcher.pingsAnswered >= pings + 2, "two more heartbeats", 5_000);
    assert.ok(
      net.lines.every((l) => !/left \(timeout\)/.test(l)),
      `nobody was dropped:\n${net.lines.join("\n")}`,
    );
    assert.ok(store.getPeer(watcher.peerId), "the watcher is still on the index");
    assert.ok(
      worst < 150,
      `the event loop was held ${worst.toFixed(0)} ms of CPU time at once (${
        worstWall.toFixed(0)
      } ms wall time; 48 requests in ${ms.toFixed(0)} ms)`,
    );
    const abcd = decodeMessage(replies[0]);
    assert.ok(abcd.type === "FOUND" && abcd.truncated, "the text checks stopped at their budget");
    const t = decodeMessage(replies[1]);
    assert.ok(t.type === "FOUND" && t.results.length === 1, "40,000 copies: one result");
  } finally {
    clearInterval(ticker);
    hostile.conn.close();
    await watcher.bye();
  }
});
