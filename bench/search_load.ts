/**
 * Figure 4: search over loopback: concurrent clients against a server (the
 * real CLI) holding many files; baseline: the same clients sending LOCATE of
 * unknown hashes (the protocol round trip without search work).
 * @module
 */
import { denoChild, serverChild } from "./machine.ts";
import { type Figure, figure } from "./stats.ts";

/** Sizes for figure 4. */
export interface SearchSize {
  searchFiles: number;
  clients: number;
  searchSeconds: number;
  runs: number;
}

/** Runs figure 4 (two rows: throughput, p99). */
export async function searchLoad(size: SearchSize): Promise<Figure[]> {
  const { server, port } = await serverChild(["--max-per-address", "100000"]);
  const loader = denoChild("bench/loader.ts", [port, String(size.searchFiles), "1000"], {
    stdin: true,
    nofile: 20000,
  });
  const qps: number[] = [];
  const p99: number[] = [];
  const baseQps: number[] = [];
  const baseP99: number[] = [];
  try {
    await loader.waitFor(/loaded/, 600_000);
    for (let r = 0; r < size.runs; r++) {
      for (const mode of ["search", "locate"]) {
        const c = denoChild("bench/search_clients.ts", [
          port,
          String(size.clients),
          String(size.searchSeconds),
          mode,
        ]);
        const line = (await c.waitFor(/^\{.*\}$/m, 120_000))[0];
        await c.stop();
        const res = JSON.parse(line);
        (mode === "search" ? qps : baseQps).push(res.count / res.seconds);
        (mode === "search" ? p99 : baseP99).push(res.p99);
      }
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
    name: `search latency p99 under that load`,
    unit: "ms",
    values: p99,
    baseline: { name: "LOCATE p99", unit: "ms", values: baseP99 },
    ratios: p99.map((p, i) => p / baseP99[i]),
    target: "p99 ≤ 5 ms",
    pass: false,
  });
  b.pass = b.value.median <= 5;
  return [a, b];
}
