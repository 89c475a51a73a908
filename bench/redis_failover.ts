/**
 * Figure 10c: failover. Two servers of one network and a peer given both;
 * kill -9 of its server until its file is found under its new ID via the
 * other, against a new peer joining that server (process start to its file
 * found).
 * @module
 */
import { join } from "node:path";
import { Child, ROOT } from "./machine.ts";
import { holderIds, redisServer, until } from "./redis_setup.ts";
import { type Figure, figure } from "./stats.ts";

/** `share DIR --server ADDRS` as a user starts it. */
function share(dir: string, servers: string): Child {
  return new Child(Deno.execPath(), [
    ...["run", "-A", "--no-lock", join(ROOT, "main.ts"), "share", dir, "--server", servers],
  ], { quiet: true, env: { SWAPMEET_MDNS: "off" } });
}

/** 10c: kill -9 of a peer's server until its file is found under its new ID on the other. */
export async function failovers(url: string, work: string, runs: number): Promise<Figure> {
  const times: number[] = [];
  const fresh: number[] = [];
  for (let r = 0; r < runs; r++) {
    const dir = join(work, `failover${r}`);
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, `failover_notes_${r}.txt`), `run ${r}\n`);
    const network = `failover${r}`;
    const one = await redisServer(url, network);
    const two = await redisServer(url, network);
    const at = (s: typeof one) => `${s.address.host}:${s.address.port}`;
    const peer = share(dir, `${at(one)},${at(two)}`);
    const other = join(work, `joiner${r}`);
    await Deno.mkdir(other, { recursive: true });
    await Deno.writeTextFile(join(other, `joiner_notes_${r}.txt`), `run ${r}\n`);
    try {
      const id = Number((await peer.waitFor(/Peer (\d+): sharing/))[1]);
      await until(async () => (await holderIds(two.address, "failover")).includes(id), "the file");
      const t0 = performance.now();
      one.child.proc.kill("SIGKILL");
      await until(
        async () => (await holderIds(two.address, "failover")).some((h) => h !== id),
        "the peer on server 2",
      );
      times.push((performance.now() - t0) / 1000);
      // Baseline: a new peer joining server 2, from process start to its file found there.
      const t1 = performance.now();
      const joiner = share(other, at(two));
      await until(async () => (await holderIds(two.address, "joiner")).length > 0, "the joiner");
      fresh.push((performance.now() - t1) / 1000);
      await joiner.stop();
    } finally {
      await peer.stop();
      await one.child.stop();
      await two.child.stop();
    }
  }
  const f = figure({
    id: "10c",
    name:
      "failover: kill -9 of a peer's server → its file searchable under its new ID via the other (default heartbeat 10 s; first back-off 0.8-1.2 s)",
    unit: "s",
    values: times,
    baseline: {
      name: "a new `share` peer joining that server: start to searchable",
      unit: "s",
      values: fresh,
    },
    ratios: times.map((t, i) => t / fresh[i]),
    target: "≤ 5 s",
    pass: false,
  });
  f.pass = f.value.median <= 5;
  return f;
}
