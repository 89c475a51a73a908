import assert from "node:assert/strict";
import { IndexClient } from "../../peer/index_client.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { Proc, runMain, tempDir, testServer, waitFor } from "../_helpers.ts";

const RECORD = {
  name: "beat.txt",
  type: "txt",
  size: 1,
  mtime: 0,
  sha256: "b".repeat(64),
  description: "",
  chunkSize: 1048576, // chunkSizeFor(size)
  chunkRoot: "b".repeat(64),
};

Deno.test("a peer that answers heartbeats stays on the network past 3 intervals", async () => {
  await using net = testServer({ heartbeatSeconds: 1 });
  const peer = await IndexClient.connect(net.address, { port: 4000 });
  try {
    await peer.register([RECORD]);
    await waitFor(() => peer.pingsAnswered >= 4, "four heartbeats", 8_000);
    const hit = (await peer.search("beat")).results[0];
    assert.equal(hit?.peers[0].id, peer.peerId);
    assert.equal(typeof hit.peers[0].rttMs, "number", "the server reports heartbeat RTT");
  } finally {
    await peer.bye();
  }
});

Deno.test("a silent peer is dropped after missing 3 heartbeats, with reason timeout", async () => {
  await using net = testServer({ heartbeatSeconds: 1 });
  const conn = new MessageConnection(await Deno.connect({ hostname: "127.0.0.1", port: net.port }));
  const watcher = await IndexClient.connect(net.address);
  try {
    await conn.send({ type: "HELLO", version: PROTOCOL_VERSION, port: 4001, name: "mute" });
    const hi = await conn.expect(["HI"]);
    assert.equal(hi.heartbeat, 1);
    await conn.send({ type: "REGISTER", files: [RECORD] });
    await conn.expect(["REGISTERED"]);
    const joined = Date.now();
    // From here on the peer reads nothing and answers no PING.
    await waitFor(
      async () => (await watcher.search("beat")).results.length === 0,
      "the silent peer to go",
      10_000,
    );
    const gone = Date.now() - joined;
    assert.ok(gone >= 3_000, `dropped after ${gone} ms, not before 3 missed beats`);
    assert.ok(
      net.lines.some((l) =>
        /peer \d+ \(mute\) .* left \(timeout\); 0 peers on the network/.test(l)
      ),
      net.lines.join("\n"),
    );
  } finally {
    conn.close();
    await watcher.bye();
  }
});

/** A server subprocess beating every second, and a share subprocess of `dir` on it. */
async function serverAndSharer(dir: string) {
  const server = new Proc(["server", "--host", "127.0.0.1", "--port", "0", "--heartbeat", "1"]);
  const port = (await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1];
  const sharer = new Proc(["share", dir, "--server", `127.0.0.1:${port}`]);
  await sharer.waitFor(/Peer 1: sharing 1 file/);
  return {
    server,
    sharer,
    port,
    async [Symbol.asyncDispose]() {
      await sharer[Symbol.asyncDispose]();
      await server[Symbol.asyncDispose]();
    },
  };
}

Deno.test("a share process killed with SIGKILL leaves search results within 3 heartbeats", async () => {
  await using share = await tempDir({ "victim.txt": "bye bye" });
  await using net = await serverAndSharer(share.path);
  const { server, sharer, port } = net;
  assert.equal((await runMain(["search", "victim", "--server", `127.0.0.1:${port}`])).code, 0);
  sharer.kill("SIGKILL");
  await server.waitFor(/peer 1 at .* left \((closed|timeout)\); 0 peers/);
  const after = await runMain(["search", "victim", "--server", `127.0.0.1:${port}`]);
  assert.equal(after.code, 1, "no longer found");
});

Deno.test("a frozen share process (SIGSTOP) is dropped for missed heartbeats and rejoins when it wakes", async () => {
  await using share = await tempDir({ "sleepy.txt": "zzz" });
  await using net = await serverAndSharer(share.path);
  const { server, sharer, port } = net;
  sharer.kill("SIGSTOP"); // its socket stays open: only the heartbeats can tell
  try {
    await server.waitFor(/peer 1 at .* left \(timeout\); 0 peers/);
    const gone = await runMain(["search", "sleepy", "--server", `127.0.0.1:${port}`]);
    assert.equal(gone.code, 1, "no longer found while frozen");
  } finally {
    sharer.kill("SIGCONT");
  }
  await sharer.waitFor(/Reconnected to the index server as peer \d+/);
  const back = await runMain(["search", "sleepy", "--server", `127.0.0.1:${port}`]);
  assert.equal(back.code, 0, "found again once it woke and reconnected");
});
