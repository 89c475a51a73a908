/**
 * Figure 10: several index servers sharing one index through Redis, on a
 * redis-server of the bench's own (Debian's; the figure is left out with a
 * note when there is none).
 * 10a replication lag: REGISTER on server 1 → found on server 2 (p50, p99),
 *     against a search round trip on one server.
 * 10b a new server joining a loaded network until it answers searches as
 *     server 1 does, against building the same index in process.
 * 10c failover: kill -9 of a peer's server → its file searchable under its
 *     new ID via the other server, against a new peer joining that server.
 * 10d search throughput on a server with --redis (holding the loaded
 *     network) against one without (loaded with the same files), with p99
 *     at a fixed offered rate.
 * @module
 */
import { IndexClient } from "../peer/index_client.ts";
import { IndexStore } from "../server/index_store.ts";
import { chunkSizeFor } from "../shared/chunks.ts";
import { type Child, denoChild, have } from "./machine.ts";
import { failovers } from "./redis_failover.ts";
import { answersLike, loadedNetwork, redisServer, referenceAnswers, until } from "./redis_setup.ts";
import { type Figure, figure, median, percentile } from "./stats.ts";
import { syntheticRecords } from "./synthetic.ts";

/** Sizes for figure 10. */
export interface RedisSize {
  redisFiles: number;
  redisPeers: number;
  lagSamples: number;
  /** Runs of 10b, 10c and 10d (each takes seconds). */
  redisRuns: number;
  /** Seconds of each search load in 10d (at most LOAD_SECONDS). */
  searchSeconds: number;
}

/** Seconds of each search load in 10d, at most, and its offered rate for p99. */
const LOAD_SECONDS = 3;
const LOAD_RATE = 5_000;
/**
 * Runs of 10d when figure 10 runs three or more times: its p99 on two busy
 * cores swings with every collector pause, so it takes more samples.
 */
const LOAD_RUNS = 5;

/** Runs figure 10 (four rows), or nothing with a note when redis-server is missing. */
export async function redisFigures(size: RedisSize, work: string): Promise<Figure[]> {
  if (!await have("redis-server")) {
    console.error(
      "Figure 10 left out: redis-server is not installed (apt-get install -y redis-server).",
    );
    return [];
  }
  const { TestRedis } = await import("../tests/_redis.ts");
  await using redis = await TestRedis.start();
  const runs = size.redisRuns;
  const net = await loadedNetwork(redis, "bench", size.redisFiles, size.redisPeers);
  let second: Child | null = null;
  try {
    const want = await referenceAnswers(net.server.address, 10);
    // 10b: a new server joins; the last one stays for 10a and 10d.
    const joins: number[] = [];
    const builds: number[] = [];
    const { records } = syntheticRecords(size.redisFiles, 1);
    let address = net.server.address;
    for (let r = 0; r < runs; r++) {
      await second?.stop();
      const t0 = performance.now();
      const joined = await redisServer(redis.url, "bench");
      second = joined.child;
      address = joined.address;
      await until(() => answersLike(address, want), "the new server to answer as server 1");
      joins.push((performance.now() - t0) / 1000);
      builds.push(await buildInProcess(records, size.redisPeers));
    }
    const lag = await replicationLag(net.server.address, address, size.lagSamples);
    const load = await searchLoad(address, size, runs);
    const failover = await failovers(redis.url, work, runs);
    return [lag, joinFigure(size, joins, builds), failover, load];
  } finally {
    await second?.stop();
    await net.stop();
  }
}

/** Seconds to build the index of `records` from `peers` peers in process, as REGISTERs do. */
async function buildInProcess(
  records: ReturnType<typeof syntheticRecords>["records"],
  peers: number,
) {
  const t0 = performance.now();
  const store = new IndexStore();
  const per = Math.ceil(records.length / peers);
  for (let p = 0; p < peers; p++) {
    const peer = store.addPeer({ host: `10.0.${p >> 8}.${p & 255}`, port: 5000 + p });
    await store.register(peer.id, records.slice(p * per, (p + 1) * per));
  }
  return (performance.now() - t0) / 1000;
}

function joinFigure(size: RedisSize, joins: number[], builds: number[]): Figure {
  const f = figure({
    id: "10b",
    name: `a new server joining a network of ${size.redisFiles.toLocaleString("en")} files and ${
      size.redisPeers.toLocaleString("en")
    } peers: process start to answering searches as the others do`,
    unit: "s",
    values: joins,
    baseline: { name: "building the same index in process", unit: "s", values: builds },
    ratios: joins.map((j, i) => j / builds[i]),
    target: "≤ 10 s",
    pass: false,
  });
  f.pass = f.value.median <= 10;
  return f;
}

/** 10a: REGISTER on server 1 until server 2 finds it, against a search round trip on server 2. */
async function replicationLag(
  one: { host: string; port: number },
  two: { host: string; port: number },
  samples: number,
): Promise<Figure> {
  const sharer = await IndexClient.connect(one, { port: 4999, name: "lag probe" });
  const searcher = await IndexClient.connect(two, {});
  const lags: number[] = [];
  const trips: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const name = `lagprobe${i}q${Date.now().toString(36)}.txt`;
      const t0 = performance.now();
      await sharer.register([{
        name,
        type: "txt",
        size: 1,
        mtime: 0,
        sha256: (i + 1).toString(16).padStart(64, "a"),
        description: "",
        chunkSize: chunkSizeFor(1),
        chunkRoot: "b".repeat(64),
      }]);
      while ((await searcher.search(name)).results.length === 0) { /* again, at once */ }
      lags.push(performance.now() - t0);
      const t1 = performance.now();
      await searcher.search(name);
      trips.push(performance.now() - t1);
    }
  } finally {
    await sharer.bye();
    await searcher.bye();
  }
  lags.sort((a, b) => a - b);
  trips.sort((a, b) => a - b);
  const f = figure({
    id: "10a",
    name: `replication lag p99: REGISTER on server 1 → found on server 2 (p50 ${
      percentile(lags, 50).toFixed(2)
    } ms, ${samples} samples)`,
    unit: "ms",
    values: [percentile(lags, 99)],
    baseline: {
      name: `search round trip p99 on one server (p50 ${percentile(trips, 50).toFixed(2)} ms)`,
      unit: "ms",
      values: [percentile(trips, 99)],
    },
    ratios: [percentile(lags, 99) / percentile(trips, 99)],
    target: "p99 ≤ 50 ms",
    pass: false,
  });
  f.pass = f.value.median <= 50;
  return f;
}

/** One search load (bench/search_clients.ts) against a server: {count, seconds, p99}. */
async function clients(port: number, seconds: number, rate: number) {
  const c = denoChild("bench/search_clients.ts", [
    ...[String(port), "64", String(seconds), "search", String(rate)],
  ]);
  const line = (await c.waitFor(/^\{.*\}$/m, 120_000))[0];
  await c.stop();
  return JSON.parse(line) as { count: number; seconds: number; p99: number };
}

/** 10d: the same search loads against the --redis server and a plain one with the same files. */
async function searchLoad(
  withRedis: { port: number },
  size: RedisSize,
  runs: number,
): Promise<Figure> {
  const plain = denoChild("bench/server_child.ts", ["0", "2000"], { nofile: 20000 });
  const loader = denoChild("bench/loader.ts", [
    (await plain.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1],
    ...[String(size.redisFiles), String(Math.min(1000, size.redisPeers)), "20"],
  ], { stdin: true, nofile: 20000 });
  const port = Number((plain.out.match(/listening on 127\.0\.0\.1:(\d+)/))![1]);
  const seconds = Math.min(LOAD_SECONDS, size.searchSeconds);
  const ours: number[] = [];
  const base: number[] = [];
  const oursP99: number[] = [];
  const baseP99: number[] = [];
  try {
    await loader.waitFor(/loaded/, 900_000);
    // Not counted: each server's first queries fill its bitsets of frequent terms (figure 3).
    for (const server of [withRedis.port, port]) await clients(server, 1, 0);
    for (let r = 0; r < (runs >= 3 ? LOAD_RUNS : runs); r++) {
      // Alternate the order so that neither side always follows the other.
      for (
        const [server, qps, p99] of r % 2
          ? [[port, base, baseP99], [withRedis.port, ours, oursP99]] as const
          : [[withRedis.port, ours, oursP99], [port, base, baseP99]] as const
      ) {
        const closed = await clients(server, seconds, 0);
        qps.push(closed.count / closed.seconds);
        p99.push((await clients(server, seconds, LOAD_RATE)).p99);
      }
    }
  } finally {
    await loader.stop();
    await plain.stop();
  }
  const p99Ratio = median(oursP99) / median(baseP99);
  const f = figure({
    id: "10d",
    name: `search throughput, 64 clients, ${
      size.redisFiles.toLocaleString("en")
    } files: a server with --redis (p99 at ${LOAD_RATE.toLocaleString("en")} queries/s offered: ${
      median(oursP99).toFixed(2)
    } ms)`,
    unit: "queries/s",
    values: ours,
    baseline: {
      name: `the same without --redis (p99 ${median(baseP99).toFixed(2)} ms)`,
      unit: "queries/s",
      values: base,
    },
    ratios: ours.map((q, i) => q / base[i]),
    target: "within 10 % (throughput and p99)",
    pass: false,
    notes: `p99 ratio ${p99Ratio.toFixed(2)}`,
  });
  f.pass = f.ratio.median >= 0.9 && p99Ratio <= 1.1;
  return f;
}
