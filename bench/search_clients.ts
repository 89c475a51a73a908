/**
 * Benchmark helper: C concurrent connections send back-to-back requests for S
 * seconds and print one JSON line {count, seconds, p50, p99}. Replies are only
 * framed, not parsed, so the load generator stays lighter than the server.
 * Usage: deno run -A bench/search_clients.ts PORT CLIENTS SECONDS search|locate
 * @module
 */
import { encodeMessage } from "../shared/codec.ts";
import { encodeFrame, FrameDecoder } from "../shared/framing.ts";
import { type Message, PROTOCOL_VERSION } from "../shared/protocol.ts";
import { percentile } from "./stats.ts";
import { rng, vocabulary, zipfSampler } from "./synthetic.ts";

const [port, clients, seconds] = Deno.args.slice(0, 3).map(Number);
const mode = Deno.args[3];
const words = vocabulary(50_000, rng(1)); // the same words the loader used
const random = rng(99);
const pick = zipfSampler(words.length, random);
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

/** One connection: HELLO, then request → reply in a loop until the deadline. */
async function client(deadline: number, latencies: number[]): Promise<void> {
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
  await conn.write(frame({ type: "HELLO", version: PROTOCOL_VERSION, port: 0 }));
  await next();
  while (performance.now() < deadline) {
    const t = performance.now();
    await conn.write(request());
    let reply = await next();
    while (reply[9] === 0x50 && reply[10] === 0x49) { // {"type":"PING": answer, and keep waiting
      await conn.write(
        frame({ type: "PONG", status: "ok", seq: JSON.parse(new TextDecoder().decode(reply)).seq }),
      );
      reply = await next();
    }
    latencies.push(performance.now() - t);
  }
  await conn.write(frame({ type: "BYE" }));
  conn.close();
}

const latencies: number[] = [];
const t0 = performance.now();
const deadline = t0 + seconds * 1000;
await Promise.all(Array.from({ length: clients }, () => client(deadline, latencies)));
const elapsed = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    count: latencies.length,
    seconds: elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  }),
);
