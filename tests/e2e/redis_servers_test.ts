import assert from "node:assert/strict";
import { join } from "node:path";
import { IndexClient } from "../../peer/index_client.ts";
import { Proc, randomBytes, runMain, type TempDir, tempDir, waitFor } from "../_helpers.ts";
import { redisTest, TestRedis } from "../_redis.ts";

/** `server --redis` on loopback, any port, heartbeat 1 s (its presence lives 1 s). */
async function server(redis: TestRedis, network: string) {
  const proc = new Proc([
    ...["server", "--host", "127.0.0.1", "--port", "0", "--heartbeat", "1"],
    ...["--redis", redis.url, "--network", network],
  ]);
  const port = Number((await proc.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  return { proc, port, addr: `127.0.0.1:${port}` };
}

/** `share DIR --server ADDRS`; resolves with the process and its peer ID. */
async function share(dir: TempDir, servers: string, extra: string[] = []) {
  const proc = new Proc(["share", dir.path, "--server", servers, ...extra]);
  const id = Number((await proc.waitFor(/Peer (\d+): sharing/))[1]);
  return { proc, id };
}

/** The peer IDs holding files that match `query`, as the server at `addr` says. */
async function holders(addr: string, query: string): Promise<number[]> {
  const [host, port] = addr.split(":");
  const client = await IndexClient.connect({ host, port: Number(port) }, {});
  try {
    return (await client.search(query)).results.flatMap((r) => r.peers.map((p) => p.id));
  } finally {
    await client.bye();
  }
}

const BIG = randomBytes(3 * 1024 * 1024 + 7, 11);

redisTest(
  "two servers on one Redis: a peer on each finds and downloads the other's files; peer IDs are distinct",
  async () => {
    await using redis = await TestRedis.start();
    const s1 = await server(redis, "two");
    await using _s1 = s1.proc;
    assert.match(
      s1.proc.stdout,
      /Network "two" on Redis 127\.0\.0\.1:\d+: 0 peers sharing 0 files/,
    );
    const s2 = await server(redis, "two");
    await using _s2 = s2.proc;
    await using annDir = await tempDir({ "ann_lecture.bin": BIG });
    await using bobDir = await tempDir({ "bob_notes.txt": "bob's notes on distributed systems\n" });
    const ann = await share(annDir, s1.addr);
    await using _ann = ann.proc;
    const bob = await share(bobDir, s2.addr);
    await using _bob = bob.proc;
    assert.notEqual(ann.id, bob.id);
    await waitFor(async () => (await holders(s1.addr, "bob")).includes(bob.id), "bob via server 1");
    await waitFor(async () => (await holders(s2.addr, "ann")).includes(ann.id), "ann via server 2");

    await using out = await tempDir();
    const viaOne = await runMain(["get", "bob_notes.txt", "--server", s1.addr, "--out", out.path]);
    assert.equal(viaOne.code, 0, viaOne.stderr);
    assert.equal(
      await Deno.readTextFile(join(out.path, "bob_notes.txt")),
      "bob's notes on distributed systems\n",
    );
    const viaTwo = await runMain([
      "get",
      "ann_lecture.bin",
      "--server",
      s2.addr,
      "--out",
      out.path,
    ]);
    assert.equal(viaTwo.code, 0, viaTwo.stderr);
    assert.deepEqual(await Deno.readFile(join(out.path, "ann_lecture.bin")), BIG);
  },
);

redisTest(
  "kill -9 of a server: its peer, given both addresses, is on the other within the bound with its files downloadable (a download under way goes on); a peer only on the dead server is gone within 1.25 heartbeats",
  async () => {
    await using redis = await TestRedis.start();
    const s1 = await server(redis, "failover");
    await using _s1 = s1.proc;
    const s2 = await server(redis, "failover");
    await using _s2 = s2.proc;
    await using annDir = await tempDir({ "ann_lecture.bin": BIG });
    await using cyDir = await tempDir({ "cy_poem.txt": "only on server one\n" });
    // Ann serves slowly (2 MB/s): a download of her 3 MiB file is still running when s1 dies.
    const ann = await share(annDir, `${s1.addr},${s2.addr}`, ["--max-upload-rate", "2M"]);
    await using _ann = ann.proc;
    const cy = await share(cyDir, s1.addr);
    await using _cy = cy.proc;
    await waitFor(async () => (await holders(s2.addr, "ann")).includes(ann.id), "ann via server 2");
    await waitFor(async () => (await holders(s2.addr, "cy")).includes(cy.id), "cy via server 2");

    await using out = await tempDir();
    await using get = new Proc(["get", "ann_lecture.bin", "--server", s2.addr, "--out", out.path]);
    await waitFor(
      async () =>
        (await Array.fromAsync(Deno.readDir(out.path))).some((e) => e.name.endsWith(".part")),
      "the download to start",
    );

    const killed = Date.now();
    s1.proc.kill("SIGKILL");
    // Ann: the socket closes at once; after the first back-off (0.8-1.2 s) she joins server 2.
    const moved = await ann.proc.waitFor(/Reconnected to the index server as peer (\d+)/, 5_000);
    const newId = Number(moved[1]);
    await waitFor(
      async () => (await holders(s2.addr, "ann")).includes(newId),
      "ann's files under her new ID",
    );
    const failover = Date.now() - killed;
    assert.ok(failover <= 5_000, `ann's files searchable on server 2 again after ${failover} ms`);
    assert.match(ann.proc.stdout + ann.proc.stderr, new RegExp(`now at ${s2.addr}`));

    // Cy was only on server 1: gone once its presence (1 s) expired, checked every 0.25 s.
    await waitFor(async () => (await holders(s2.addr, "cy")).length === 0, "cy to be gone");
    const gone = Date.now() - killed;
    assert.ok(gone <= 1_250 + 1_500, `cy gone after ${gone} ms (bound 1.25 s, 1.5 s slack)`);
    assert.deepEqual(await holders(s2.addr, "ann"), [newId], "ann's old ID went with server 1");

    assert.equal((await get.status()).code, 0, get.stderr);
    assert.deepEqual(await Deno.readFile(join(out.path, "ann_lecture.bin")), BIG);
    const again = await runMain(
      ["get", "ann_lecture.bin", "--server", s2.addr, "--out", out.path, "--again", "--quiet"],
    );
    assert.equal(again.code, 0, again.stderr);
  },
);

redisTest(
  "Redis restarted empty in the middle: everything is searchable again, on both servers and on one started after",
  async () => {
    await using redis = await TestRedis.start();
    const s1 = await server(redis, "restart");
    await using _s1 = s1.proc;
    const s2 = await server(redis, "restart");
    await using _s2 = s2.proc;
    await using annDir = await tempDir({ "ann_song.mp3": "la la la" });
    await using bobDir = await tempDir({ "bob_song.mp3": "dum dum" });
    const ann = await share(annDir, s1.addr);
    await using _ann = ann.proc;
    const bob = await share(bobDir, s2.addr);
    await using _bob = bob.proc;
    const both = async (addr: string) =>
      (await holders(addr, "song")).sort().join() === [ann.id, bob.id].sort().join();
    await waitFor(async () => await both(s1.addr) && await both(s2.addr), "both songs on both");

    await redis.restart();
    for (const s of [s1, s2]) await s.proc.waitFor(/lost the network's data/);
    await waitFor(async () => await both(s1.addr) && await both(s2.addr), "both songs again");
    const s3 = await server(redis, "restart");
    await using _s3 = s3.proc;
    assert.ok(await both(s3.addr), "Redis holds both peers again");
    for (const s of [s1, s2]) {
      assert.ok(s.proc.stdout.split("Lost Redis").length <= 2, "said at most once");
    }
  },
);

redisTest(
  "server --redis: an unreachable Redis is one line and exit 1; a bad address exit 2",
  async () => {
    await using redis = await TestRedis.start();
    await redis.stop();
    const r = await runMain(["server", "--port", "0", "--redis", redis.url]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `error: Cannot reach Redis at 127.0.0.1:${redis.port}: connect ECONNREFUSED 127.0.0.1:${redis.port}`,
    );
    const bad = await runMain(["server", "--port", "0"], {
      env: { SWAPMEET_REDIS: "10.0.0.5:6379" },
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: --redis: Redis address must look like redis:\/\/HOST:PORT/);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
  },
);
