/**
 * Figure 5: many idle registered peers with heartbeats running: the server's
 * resident memory and CPU, against the same server with no peers.
 * @module
 */
import { cpuSeconds, denoChild, rssMiB, serverChild } from "./machine.ts";
import { type Figure, figure, median } from "./stats.ts";

/** Sizes for figure 5. */
export interface IdleSize {
  idlePeers: number;
  idleSeconds: number;
  runs: number;
}

async function cpuPercent(pid: number, seconds: number): Promise<number> {
  const a = await cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = await cpuSeconds(pid);
  return (b - a) / ((performance.now() - t0) / 1000) * 100;
}

/** Runs figure 5 (two rows: memory, CPU). */
export async function idlePeers(size: IdleSize): Promise<Figure[]> {
  const heartbeat = 10; // the default
  const { server, port } = await serverChild([
    "--heartbeat",
    String(heartbeat),
    "--max-per-address",
    "30000",
    "--max-connections",
    "30000",
  ]);
  const pid = server.proc.pid;
  const window = Math.max(1, size.idleSeconds / size.runs);
  const baseRss: number[] = [];
  const baseCpu: number[] = [];
  for (let r = 0; r < size.runs; r++) {
    baseCpu.push(await cpuPercent(pid, Math.min(window, 2)));
    baseRss.push(await rssMiB(pid));
  }
  const clients = denoChild("bench/idle_client.ts", [port, String(size.idlePeers)], {
    stdin: true,
    nofile: 20000,
  });
  const rss: number[] = [];
  const cpu: number[] = [];
  let peers = 0;
  try {
    peers = Number((await clients.waitFor(/ready (\d+)/, 600_000))[1]);
    await new Promise((r) => setTimeout(r, Math.min(heartbeat, window) * 1000)); // settle first
    for (let r = 0; r < size.runs; r++) {
      cpu.push(await cpuPercent(pid, window));
      rss.push(await rssMiB(pid));
    }
  } finally {
    await clients.stop();
    await server.stop();
  }
  const mem = figure({
    id: "5a",
    name: `server RSS with ${
      peers.toLocaleString("en")
    } idle registered peers (heartbeat ${heartbeat} s)`,
    unit: "MiB",
    values: rss,
    baseline: { name: "same server, no peers", unit: "MiB", values: baseRss },
    ratios: rss.map((v, i) => v / baseRss[i]),
    target: "≤ 300 MB",
    pass: false,
    notes: `${
      ((median(rss) - median(baseRss)) * 1024 / Math.max(1, peers)).toFixed(1)
    } KiB per peer`,
  });
  mem.pass = mem.value.median * 1.048576 <= 300;
  const load = figure({
    id: "5b",
    name: `server CPU with ${peers.toLocaleString("en")} idle peers`,
    unit: "% of a core",
    values: cpu,
    baseline: { name: "same server, no peers", unit: "%", values: baseCpu },
    ratios: cpu.map((v, i) => v / Math.max(0.1, baseCpu[i])),
    target: "< 5 %",
    pass: false,
  });
  load.pass = load.value.median < 5;
  return [mem, load];
}
