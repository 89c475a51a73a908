/**
 * Benchmark helper: a peer that registers N worst-case records (the most a
 * record may cost the index; bench/worst_case.ts), prints "connected" before
 * and "registered N" after, then leaves without BYE when its stdin closes.
 * Usage: deno run -A bench/hostile_peer.ts PORT N SEED
 * @module
 */
import { IndexClient } from "../peer/index_client.ts";
import { worstCaseRecords } from "./worst_case.ts";

const [port, n, seed] = Deno.args.map(Number);
const records = worstCaseRecords(n, seed);
const client = await IndexClient.connect({ host: "127.0.0.1", port }, {
  port: 6000,
  timeoutMs: 600_000,
});
console.log("connected");
const { total } = await client.register(records);
console.log(`registered ${total}`);
for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
client.close();
