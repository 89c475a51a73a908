/**
 * Figure 7: one peer registers the worst records its allowance permits and
 * leaves, while a probe client searches: the probe's p99 latency meanwhile
 * against its p99 on the idle server in the same run (7a), and the server's
 * resident memory per worst-case record (7b) against the record's size as
 * sent. The server is `swapmeet server` with its default limits.
 * @module
 */
import { IndexClient } from "../peer/index_client.ts";
import { delay } from "../shared/deadline.ts";
import { denoChild, rssMiB, serverChild } from "./machine.ts";
import { type Figure, figure, median, percentile } from "./stats.ts";
import { worstCaseRecords } from "./worst_case.ts";

/** Sizes for figure 7. */
export interface HostileSize {
  /** Worst-case records the hostile peer registers (a peer's allowance is 100,000). */
  hostileRecords: number;
  /** Seconds the probe measures the idle server. */
  hostileIdleSeconds: number;
  runs: number;
}

/** Runs one probe loop until `until` resolves; returns the latencies in ms. */
async function probeUntil(client: IndexClient, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  until.then(() => done = true, () => done = true);
  const latencies: number[] = [];
  while (!done) {
    const t = performance.now();
    await client.search("probe", 10);
    latencies.push(performance.now() - t);
    await delay(5); // the probe's pace: 200 searches a second at most
  }
  return latencies;
}

const p99 = (xs: number[]) => percentile(Float64Array.from(xs).sort(), 99);

/** One run on a fresh server: the probe's p99 idle and busy, its worst, RSS per record, timings. */
async function run(size: HostileSize, seed: number) {
  const n = size.hostileRecords;
  const { server, port } = await serverChild([]);
  const pid = server.proc.pid;
  const probe = await IndexClient.connect({ host: "127.0.0.1", port: Number(port) }, {
    port: 5000,
    timeoutMs: 60_000,
  });
  try {
    const [sample] = worstCaseRecords(1, 0);
    await probe.register([{ ...sample, name: "probe.txt", description: "" }]);
    const idle = p99(await probeUntil(probe, delay(size.hostileIdleSeconds * 1000)));
    const before = await rssMiB(pid);
    const hostile = denoChild("bench/hostile_peer.ts", [port, String(n), String(seed)], {
      stdin: true,
    });
    await hostile.waitFor(/connected/, 600_000);
    const t0 = performance.now();
    let registered = 0;
    let kib = 0;
    const work = (async () => {
      await hostile.waitFor(/registered \d+/, 1_800_000);
      registered = performance.now();
      kib = (await rssMiB(pid) - before) * 1024 / n;
      await hostile.stop(); // leaves without BYE
      await server.waitFor(/ left \(/, 1_800_000);
    })();
    const latencies = await probeUntil(probe, work);
    await work;
    const seconds = (t: number) => ((t / 1000).toFixed(1));
    return {
      idle,
      busy: p99(latencies),
      max: Math.max(...latencies),
      kib,
      phases: `register ${seconds(registered - t0)} s, leave ${
        seconds(performance.now() - registered)
      } s`,
    };
  } finally {
    await probe.bye().catch(() => {});
    await server.stop();
  }
}

/** Runs figure 7 (two rows: probe p99, RSS per record). */
export async function hostileLoad(size: HostileSize): Promise<Figure[]> {
  const n = size.hostileRecords;
  const runs = [];
  // Each run registers and removes a whole allowance on a fresh server.
  for (let r = 0; r < Math.min(size.runs, 3); r++) runs.push(await run(size, r + 1));
  const idleP99 = runs.map((r) => r.idle);
  const busyP99 = runs.map((r) => r.busy);
  const kibPerRecord = runs.map((r) => r.kib);
  const recordKiB = new TextEncoder().encode(JSON.stringify(worstCaseRecords(1, 1)[0])).length /
    1024;
  const records = n.toLocaleString("en");
  const a = figure({
    id: "7a",
    name: `probe search p99 while one peer registers ${records} worst-case records and leaves`,
    unit: "ms",
    values: busyP99,
    baseline: { name: "probe p99, idle server", unit: "ms", values: idleP99 },
    ratios: busyP99.map((v, i) => v / idleP99[i]),
    target: "p99 ≤ 50 ms",
    pass: median(busyP99) <= 50,
    notes: `max ${median(runs.map((r) => r.max)).toFixed(0)} ms; ${
      runs.map((r) => r.phases).join("; ")
    }`,
  });
  const b = figure({
    id: "7b",
    name: `server RSS per worst-case record (${records} records)`,
    unit: "KiB/record",
    values: kibPerRecord,
    baseline: { name: "the record as sent (JSON)", unit: "KiB", values: [recordKiB] },
    ratios: kibPerRecord.map((v) => v / recordKiB),
    target: "reported",
    pass: true,
    notes: `${(median(kibPerRecord) * 100_000 / 2 ** 20).toFixed(1)} GiB at a peer's 100,000`,
  });
  return [a, b];
}
