/**
 * Benchmark helper: C concurrent clients send back-to-back requests for S
 * seconds and print one JSON line {count, seconds, p50, p99}.
 * Usage: deno run -A bench/search_clients.ts PORT CLIENTS SECONDS search|locate
 * @module
 */
import { IndexClient } from "../peer/index_client.ts";
import { percentile } from "./stats.ts";
import { rng, vocabulary, zipfSampler } from "./synthetic.ts";

const [port, clients, seconds] = Deno.args.slice(0, 3).map(Number);
const mode = Deno.args[3];
const words = vocabulary(50_000, rng(1)); // the same words the loader used
const random = rng(99);
const pick = zipfSampler(words.length, random);
const conns = await Promise.all(
  Array.from(
    { length: clients },
    () => IndexClient.connect({ host: "127.0.0.1", port }, { timeoutMs: 30_000 }),
  ),
);
const latencies: number[] = [];
const deadline = performance.now() + seconds * 1000;
const t0 = performance.now();
await Promise.all(conns.map(async (c) => {
  while (performance.now() < deadline) {
    const t = performance.now();
    if (mode === "search") {
      await c.search(random() < 0.5 ? words[pick()] : `${words[pick()]} ${words[pick()]}`, 10);
    } else {
      await c.locate(Math.floor(random() * 2 ** 52).toString(16).padStart(64, "f"));
    }
    latencies.push(performance.now() - t);
  }
}));
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
await Promise.all(conns.map((c) => c.bye()));
