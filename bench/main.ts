/**
 * `deno task bench [--size smoke|quick|full] [--only 1,3]`: measures Swapmeet
 * against baselines measured in the same run, prints one table, and writes it
 * as JSON to bench/results/.
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { hostileLoad } from "./hostile_load.ts";
import { discovery } from "./discovery.ts";
import { redisFigures } from "./redis_bench.ts";
import { indexFigures } from "./index_bench.ts";
import { idlePeers } from "./idle_peers.ts";
import { machine, ROOT } from "./machine.ts";
import { searchLoad } from "./search_load.ts";
import { startup } from "./startup.ts";
import type { Figure, Stats } from "./stats.ts";
import { multiSource, singleSource } from "./transfer.ts";
import { tlsSingleSource } from "./tls_transfer.ts";

const MiB = 2 ** 20;
const SIZES = {
  smoke: {
    runs: 2,
    transferBytes: 8 * MiB,
    multiBytes: 4 * MiB,
    rate: 20e6,
    indexFiles: 20_000,
    queries: 200,
    searchFiles: 20_000,
    clients: 8,
    searchSeconds: 1,
    idlePeers: 50,
    idleSeconds: 2,
    startupFiles: 200,
    startupBytes: 8 * MiB,
    hostileRecords: 2_000,
    hostileIdleSeconds: 1,
    redisFiles: 2_000,
    redisPeers: 20,
    lagSamples: 50,
    redisRuns: 1,
  },
  quick: {
    runs: 3,
    transferBytes: 256 * MiB,
    multiBytes: 48 * MiB,
    rate: 25e6,
    indexFiles: 200_000,
    queries: 2_000,
    searchFiles: 200_000,
    clients: 64,
    searchSeconds: 3,
    idlePeers: 1_000,
    idleSeconds: 6,
    startupFiles: 2_000,
    startupBytes: 128 * MiB,
    hostileRecords: 20_000,
    hostileIdleSeconds: 3,
    redisFiles: 100_000,
    redisPeers: 1_000,
    lagSamples: 200,
    redisRuns: 3,
  },
  full: {
    runs: 5,
    transferBytes: 1024 * MiB,
    multiBytes: 200 * MiB,
    rate: 50e6,
    indexFiles: 1_000_000,
    queries: 5_000,
    searchFiles: 1_000_000,
    clients: 64,
    searchSeconds: 8,
    idlePeers: 10_000,
    idleSeconds: 50,
    startupFiles: 10_000,
    startupBytes: 1024 * MiB,
    hostileRecords: 100_000,
    hostileIdleSeconds: 5,
    redisFiles: 1_000_000,
    redisPeers: 10_000,
    lagSamples: 500,
    redisRuns: 3,
  },
};

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "quick" },
    only: { type: "string" },
    out: { type: "string" },
  },
});
const sizeName = values.size as keyof typeof SIZES;
const size = SIZES[sizeName];
if (!size) {
  console.error(`error: --size must be smoke, quick or full`);
  Deno.exit(2);
}
const only = values.only ? new Set(values.only.split(",")) : null;
const want = (id: string) => !only || only.has(id);

const work = await Deno.makeTempDir({ prefix: "swapmeet_bench_" });
const figures: Figure[] = [];
const started = performance.now();
// Between figures this process collects its garbage at once (figure 3 leaves over a GB of it),
// so that V8 does not do it on its own while a later figure measures other processes.
const quiet = (globalThis as { gc?: () => void }).gc ?? (() => {});
try {
  if (want("1")) figures.push(...await singleSource(size, work));
  if (want("2")) figures.push(await multiSource(size, work));
  if (want("3")) figures.push(...await indexFigures(size));
  quiet();
  if (want("4")) figures.push(...await searchLoad(size));
  quiet();
  if (want("5")) figures.push(...await idlePeers(size));
  if (want("6")) figures.push(...await startup(size, work));
  quiet();
  if (want("7")) figures.push(...await hostileLoad(size));
  if (want("8")) figures.push(await tlsSingleSource(size, work));
  if (want("9")) figures.push(...await discovery(size, work));
  quiet();
  if (want("10")) figures.push(...await redisFigures(size, work));
} finally {
  await Deno.remove(work, { recursive: true }).catch(() => {});
}

const fmt = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3);
const cell = (s: Stats) => `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
const m = machine();
const lines = [
  `Swapmeet benchmark, size ${sizeName}: ${m.cores} cores, ${m.memoryGiB} GiB, Deno ${m.deno} (V8 ${m.v8}), ${m.os}`,
  `Each cell: median [min–max] of ${size.runs} runs (figure 10: ${size.redisRuns}; 10d: ${
    size.redisRuns >= 3 ? 5 : size.redisRuns
  }; 10a: one p99 over ${size.lagSamples} samples). Ratio: ours against the baseline measured in the same run.`,
  "",
  "| # | figure | ours | baseline | ratio | target | met |",
  "|---|---|---|---|---|---|---|",
  ...figures.map((f) =>
    `| ${f.id} | ${f.name}${f.notes ? ` (${f.notes})` : ""} | ${
      cell(f.value)
    } ${f.unit} | ${f.baseline.name}: ${cell(f.baseline.value)} ${f.baseline.unit} | ${
      cell(f.ratio)
    } | ${f.target} | ${f.pass ? "yes" : "no"} |`
  ),
  "",
  `Total bench time ${((performance.now() - started) / 1000).toFixed(0)} s.`,
];
console.log(lines.join("\n"));
const outDir = values.out ?? join(ROOT, "bench", "results");
await Deno.mkdir(outDir, { recursive: true });
const json = JSON.stringify(
  { date: new Date().toISOString(), size: sizeName, sizes: size, machine: m, figures },
  null,
  2,
);
// A partial run (--only) does not replace the last whole one.
const stem = `latest-${sizeName}${only ? `-only-${[...only].join("_")}` : ""}`;
await Deno.writeTextFile(join(outDir, `${stem}.json`), json + "\n");
await Deno.writeTextFile(join(outDir, `${stem}.md`), lines.join("\n") + "\n");
