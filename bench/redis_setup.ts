/**
 * Figure 10's processes: a redis-server of the bench's own, index servers
 * with --redis, a loaded network, the searches that tell whether a server
 * answers like another, and the peer IDs holding a file.
 * @module
 */
import { join } from "node:path";
import { IndexClient, type ServerAddress } from "../peer/index_client.ts";
import { Child, denoChild, ROOT } from "./machine.ts";
import { rng, vocabulary, zipfSampler } from "./synthetic.ts";

/** A server process and its address. */
export interface ServerProc {
  child: Child;
  address: ServerAddress;
}

/** `main.ts server --redis URL --network NAME` on loopback, as a user starts it; resolves when it listens. */
export async function redisServer(url: string, network: string): Promise<ServerProc> {
  const child = new Child(Deno.execPath(), [
    ...["run", "-A", "--no-lock", join(ROOT, "main.ts"), "server", "--host", "127.0.0.1"],
    ...["--port", "0", "--no-announce", "--redis", url, "--network", network],
  ], { quiet: true, env: { SWAPMEET_MDNS: "off" } });
  const port = Number((await child.waitFor(/listening on 127\.0\.0\.1:(\d+)/, 300_000))[1]);
  return { child, address: { host: "127.0.0.1", port } };
}

/**
 * A loaded network: server 1 (bench/server_child.ts with --redis, file
 * limits raised) holding `files` files from `peers` peers of one loader,
 * every change of which is in Redis once this resolves.
 */
export async function loadedNetwork(
  redis: { url: string; cli(...args: string[]): Promise<string> },
  network: string,
  files: number,
  peers: number,
): Promise<{ server: ServerProc; loader: Child; stop(): Promise<void> }> {
  const server = denoChild(
    "bench/server_child.ts",
    ["0", String(peers + 100), redis.url, network],
    { nofile: Math.min(20_000, peers * 2 + 1000) },
  );
  const port = Number((await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  const loader = denoChild("bench/loader.ts", [String(port), String(files), String(peers), "50"], {
    stdin: true,
    nofile: Math.min(20_000, peers * 2 + 1000),
  });
  const stop = async () => {
    await loader.stop();
    await server.stop();
  };
  try {
    await loader.waitFor(/loaded/, 900_000);
    // Server 1 publishes as it goes: wait until Redis has every peer and the changes stop.
    let last = "";
    for (const deadline = Date.now() + 300_000;;) {
      const [count, seq] = [
        await redis.cli("HLEN", `sm:${network}:peers`),
        await redis.cli(
          "GET",
          `sm:${network}:seq`,
        ),
      ];
      if (Number(count) >= peers && seq === last) break;
      if (Date.now() > deadline) throw new Error(`Redis has ${count} of ${peers} peers`);
      last = seq;
      await new Promise((r) => setTimeout(r, 300));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { server: { child: server, address: { host: "127.0.0.1", port } }, loader, stop };
}

/** What a search found, in an order that does not depend on the server: variants and holders. */
async function answer(client: IndexClient, query: string): Promise<string | null> {
  const page = await client.search(query, 1000);
  if (page.truncated) return null;
  return page.results.map((r) =>
    `${r.sha256}:${r.size}:${r.peers.map((p) => p.id).sort((a, b) => a - b).join(",")}`
  ).sort().join(" ");
}

/**
 * `count` queries (words of the synthetic vocabulary) that the server at
 * `address` answers with some, but not too many, results; and their answers.
 */
export async function referenceAnswers(
  address: ServerAddress,
  count: number,
): Promise<Map<string, string>> {
  const words = vocabulary(50_000, rng(1)); // the loader's
  const pick = zipfSampler(words.length, rng(7));
  const client = await IndexClient.connect(address, { timeoutMs: 60_000 });
  const answers = new Map<string, string>();
  try {
    for (let tries = 0; answers.size < count && tries < 1000; tries++) {
      const query = `${words[pick()]} ${words[pick()]}`.split(" ")[tries % 2];
      const found = await answer(client, query);
      if (found) answers.set(query, found);
    }
  } finally {
    await client.bye();
  }
  return answers;
}

/** Whether the server at `address` answers every query as `want` says. */
export async function answersLike(
  address: ServerAddress,
  want: Map<string, string>,
): Promise<boolean> {
  const client = await IndexClient.connect(address, { timeoutMs: 60_000 });
  try {
    for (const [query, found] of want) if (await answer(client, query) !== found) return false;
    return true;
  } finally {
    await client.bye();
  }
}

/** The IDs of the peers holding files matching `query`, as the server at `address` says. */
export async function holderIds(address: ServerAddress, query: string): Promise<number[]> {
  const client = await IndexClient.connect(address, {});
  try {
    return (await client.search(query)).results.flatMap((r) => r.peers.map((p) => p.id));
  } finally {
    await client.bye();
  }
}

/** Polls `check` every 5 ms until it holds (or `ms` pass: throws). */
export async function until(check: () => Promise<boolean>, what: string, ms = 60_000) {
  for (const deadline = Date.now() + ms;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
