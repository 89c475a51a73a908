/**
 * Benchmark helper: opens N registered peers (one small file each) that stay
 * idle, answering heartbeats, until stdin closes. Prints "ready N".
 * Usage: deno run -A bench/idle_client.ts PORT N
 * @module
 */
import { IndexClient } from "../peer/index_client.ts";

const [port, n] = Deno.args.map(Number);
const clients: IndexClient[] = [];
for (let i = 0; i < n; i += 100) {
  const batch = await Promise.all(Array.from({ length: Math.min(100, n - i) }, async (_, j) => {
    const c = await IndexClient.connect({ host: "127.0.0.1", port }, {
      port: 6000 + ((i + j) % 50000),
      timeoutMs: 60_000,
    });
    const sha = (i + j).toString(16).padStart(64, "a");
    await c.register([{
      name: `idle_${i + j}.txt`,
      type: "txt",
      size: 1,
      mtime: 0,
      sha256: sha,
      description: "idle",
      chunkSize: 1048576, // chunkSizeFor(1)
      chunkRoot: sha,
    }]);
    return c;
  }));
  clients.push(...batch);
}
console.log(`ready ${clients.length}`);
for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
await Promise.all(clients.map((c) => c.bye()));
