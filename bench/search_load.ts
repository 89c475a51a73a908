/**
 * Figure 4: search over loopback: concurrent clients against an index server
 * process (bench/server_child.ts: as `swapmeet server` starts it, with the
 * per-address file limit raised, since one loader registers every file from
 * 127.0.0.1) holding many files; baseline: the same clients sending LOCATE of
 * unknown hashes (the protocol round trip without search work).
 * 4a is throughput with every client in a closed loop (the server saturated).
 * 4b is latency at the target rate, offered open loop (the first second of
 * each run warms the fresh client up and is not counted): with 64 clients in a
 * closed loop the mean latency is 64 / throughput by Little's law, so p99 at
 * saturation measures the queue the clients build, not the server.
 * @module
 */
import { denoChild } from "./machine.ts";
import { type Figure, figure, median } from "./stats.ts";

/** Sizes for figure 4. */
export interface SearchSize {
  searchFiles: number;
  clients: number;
  searchSeconds: number;
  runs: number;
}

/** The rate figure 4b offers: the throughput target. */
const TARGET_RATE = 10_000;

/** Runs figure 4 (two rows: throughput, p99). */
export async function searchLoad(size: SearchSize): Promise<Figure[]> {
  const server = denoChild("bench/server_child.ts", ["0", "100000"], { nofile: 20000 });
  const port = (await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1];
  const loader = denoChild("bench/loader.ts", [port, String(size.searchFiles), "1000"], {
    stdin: true,
    nofile: 20000,
  });
  const qps: number[] = [];
  const p99: number[] = [];
  const baseQps: number[] = [];
  const baseP99: number[] = [];
  const satP99: number[] = [];
  const openRate: number[] = [];
  try {
    await loader.waitFor(/loaded/, 600_000);
    const run = async (mode: string, rate = 0) => {
      const c = denoChild("bench/search_clients.ts", [
        port,
        String(size.clients),
        String(size.searchSeconds),
        mode,
        String(rate),
      ]);
      const line = (await c.waitFor(/^\{.*\}$/m, 120_000))[0];
      await c.stop();
      return JSON.parse(line) as { count: number; seconds: number; p99: number };
    };
    for (let r = 0; r < size.runs; r++) {
      const closed = await run("search");
      qps.push(closed.count / closed.seconds);
      satP99.push(closed.p99);
      const locate = await run("locate");
      baseQps.push(locate.count / locate.seconds);
      const open = await run("search", TARGET_RATE);
      p99.push(open.p99);
      openRate.push(open.count / open.seconds);
      baseP99.push((await run("locate", TARGET_RATE)).p99);
    }
  } finally {
    await loader.stop();
    await server.stop();
  }
  const files = size.searchFiles.toLocaleString("en");
  const a = figure({
    id: "4a",
    name: `search throughput, ${size.clients} clients, ${files} files (limit 10)`,
    unit: "queries/s",
    values: qps,
    baseline: { name: "LOCATE round trips (no search)", unit: "req/s", values: baseQps },
    ratios: qps.map((q, i) => q / baseQps[i]),
    target: "≥ 10,000 queries/s",
    pass: false,
  });
  a.pass = a.value.median >= 10_000;
  const b = figure({
    id: "4b",
    name: `search latency p99 at ${
      TARGET_RATE.toLocaleString("en")
    } queries/s offered (open loop, ${size.clients} clients, after 1 s warm-up)`,
    unit: "ms",
    values: p99,
    baseline: { name: "LOCATE p99 at the same rate", unit: "ms", values: baseP99 },
    ratios: p99.map((p, i) => p / baseP99[i]),
    target: "p99 ≤ 5 ms",
    pass: false,
    notes: `served ${
      Math.round(median(openRate))
    } queries/s; p99 with every client in a closed loop (saturated): ${
      median(satP99).toFixed(1)
    } ms`,
  });
  b.pass = b.value.median <= 5;
  return [a, b];
}
