/**
 * Benchmark helper: fills an index server with synthetic files from many
 * peers (CONCURRENCY of them joining at a time, default 1) and keeps those
 * peers connected until its stdin closes.
 * Usage: deno run -A bench/loader.ts PORT FILES PEERS [CONCURRENCY]
 * @module
 */
import { IndexClient } from "../peer/index_client.ts";
import { syntheticRecords } from "./synthetic.ts";

const [port, files, peers, concurrency = 1] = Deno.args.map(Number);
const { records } = syntheticRecords(files, 1);
const per = Math.ceil(files / peers);
const clients: IndexClient[] = [];
const join = async (p: number) => {
  const c = await IndexClient.connect({ host: "127.0.0.1", port }, {
    port: 5000 + (p % 50000),
    timeoutMs: 60_000,
  });
  await c.register(records.slice(p * per, (p + 1) * per));
  clients.push(c);
};
for (let p = 0; p < peers; p += concurrency) {
  await Promise.all(
    Array.from({ length: Math.min(concurrency, peers - p) }, (_, i) => join(p + i)),
  );
}
console.log(`loaded ${files}`);
for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
await Promise.all(clients.map((c) => c.bye()));
