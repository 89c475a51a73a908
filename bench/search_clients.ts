/**
 * Benchmark helper: C concurrent connections send requests for S seconds and
 * print one JSON line {count, seconds, p50, p99}. Replies are only framed, not
 * parsed, so the load generator stays lighter than the server.
 *
 * Without RATE each connection is a closed loop (request, wait, next): that
 * finds the server's throughput. With RATE (requests/s over all connections)
 * requests go out on a fixed schedule, round robin over the connections,
 * whether or not replies are back (open loop, requests pipelined), so a slow
 * server cannot slow the senders and hide its queue; latency counts from the
 * moment each request is written (a late timer here delays the send, not the
 * measurement). The first WARMUP_SECONDS of an open loop run at the same rate
 * but are not counted: a fresh client process (and its connections) needs
 * that long before its own event loop keeps up, which is not the server's
 * latency.
 *
 * Usage: deno run -A bench/search_clients.ts PORT CLIENTS SECONDS search|locate [RATE]
 * @module
 */
import { encodeMessage } from "../shared/codec.ts";
import { encodeFrame, FrameDecoder } from "../shared/framing.ts";
import { type Message, PROTOCOL_VERSION } from "../shared/protocol.ts";
import { percentile } from "./stats.ts";
import { rng, vocabulary, zipfSampler } from "./synthetic.ts";

const [port, clients, seconds] = Deno.args.slice(0, 3).map(Number);
const mode = Deno.args[3];
const rate = Number(Deno.args[4] ?? 0);
const words = vocabulary(50_000, rng(1)); // the same words the loader used
const random = rng(99);
const pick = zipfSampler(words.length, random);
/** Open loop only: seconds sent at the target rate before latencies count. */
const WARMUP_SECONDS = 1;
const frame = (m: Message) => encodeFrame(encodeMessage(m));

function request(): Uint8Array {
  if (mode === "search") {
    const query = random() < 0.5 ? words[pick()] : `${words[pick()]} ${words[pick()]}`;
    return frame({ type: "SEARCH", query, limit: 10 });
  }
  return frame({
    type: "LOCATE",
    sha256: Math.floor(random() * 2 ** 52).toString(16).padStart(64, "f"),
  });
}

/** A connection that has said HELLO, with a reader of reply frames that answers PINGs. */
async function open(): Promise<{ conn: Deno.TcpConn; reply: () => Promise<Uint8Array> }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const decoder = new FrameDecoder();
  const buf = new Uint8Array(64 * 1024);
  const next = async () => {
    for (;;) {
      const payload = decoder.next();
      if (payload) return payload;
      const n = await conn.read(buf);
      if (n === null) throw new Error("server closed the connection");
      decoder.push(buf.subarray(0, n));
    }
  };
  const reply = async () => {
    let payload = await next();
    while (payload[9] === 0x50 && payload[10] === 0x49) { // {"type":"PING": answer, and keep waiting
      const seq = JSON.parse(new TextDecoder().decode(payload)).seq;
      await conn.write(frame({ type: "PONG", status: "ok", seq }));
      payload = await next();
    }
    return payload;
  };
  await conn.write(frame({ type: "HELLO", version: PROTOCOL_VERSION, port: 0 }));
  await next();
  return { conn, reply };
}

/** Closed loop: request → reply until the deadline. */
async function closedLoop(deadline: number, latencies: number[]): Promise<void> {
  const { conn, reply } = await open();
  while (performance.now() < deadline) {
    const t = performance.now();
    await conn.write(request());
    await reply();
    latencies.push(performance.now() - t);
  }
  await conn.write(frame({ type: "BYE" }));
  conn.close();
}

/**
 * Open loop: one pacer sends `rate` requests a second, round robin over the
 * connections, whether or not replies are back; each connection reads its
 * replies in order as they come.
 */
async function openLoop(seconds: number, rate: number, latencies: number[]): Promise<number> {
  const conns = await Promise.all(Array.from({ length: clients }, open));
  const total = Math.floor((seconds + WARMUP_SECONDS) * rate);
  const sentAt = conns.map(() => [] as number[]);
  const start = performance.now();
  const counted = start + WARMUP_SECONDS * 1000;
  const readers = conns.map(async ({ reply }, c) => {
    const count = Math.floor(total / clients) + (c < total % clients ? 1 : 0);
    for (let i = 0; i < count; i++) {
      await reply();
      if (sentAt[c][i] >= counted) latencies.push(performance.now() - sentAt[c][i]);
    }
  });
  const writes = conns.map(() => Promise.resolve());
  for (let sent = 0; sent < total;) {
    const due = Math.min(total, Math.floor((performance.now() - start) * rate / 1000) + 1);
    for (; sent < due; sent++) {
      const c = sent % clients;
      const req = request();
      sentAt[c].push(performance.now());
      writes[c] = writes[c].then(() => conns[c].conn.write(req)).then(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all([...readers, ...writes]);
  for (const { conn } of conns) {
    await conn.write(frame({ type: "BYE" }));
    conn.close();
  }
  return (performance.now() - counted) / 1000;
}

const latencies: number[] = [];
let elapsed: number;
if (rate > 0) elapsed = await openLoop(seconds, rate, latencies);
else {
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, () => closedLoop(deadline, latencies)));
  elapsed = (performance.now() - t0) / 1000;
}
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    count: latencies.length,
    seconds: elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  }),
);
