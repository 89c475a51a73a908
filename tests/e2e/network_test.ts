import assert from "node:assert/strict";
import { join } from "node:path";
import { Peer } from "../../peer/peer.ts";
import { IndexClient } from "../../peer/index_client.ts";
import { SwapmeetError } from "../../shared/errors.ts";
import { randomBytes, tempDir, testServer, waitFor } from "../_helpers.ts";

const SONG = randomBytes(3 * 1024 * 1024 + 17, 7);

Deno.test("two sharing peers: FOUND lists both holders, download is byte-identical, a leaver vanishes", async () => {
  await using net = testServer();
  await using shareA = await tempDir({
    "music/song.mp3": SONG,
    "files.json": JSON.stringify([{ name: "music/song.mp3", description: "jazz live" }]),
  });
  await using shareB = await tempDir({ "song.mp3": SONG, "notes.txt": "hello" });
  await using out = await tempDir();
  const a = await Peer.start({
    server: net.address,
    shareDir: shareA.path,
    hostname: "127.0.0.1",
    name: "alice",
  });
  const b = await Peer.start({
    server: net.address,
    shareDir: shareB.path,
    hostname: "127.0.0.1",
    name: "bob",
  });
  const c = await Peer.start({ server: net.address, outDir: out.path });
  try {
    assert.deepEqual([a.peerId, b.peerId, c.peerId], [1, 2, 3]);
    const page = await c.search("song");
    assert.deepEqual(page.results.length, 1, "one result per content hash");
    const [hit] = page.results;
    assert.deepEqual(hit.size, SONG.length);
    assert.deepEqual(hit.peers.map((p) => [p.id, p.port]), [[1, a.port], [2, b.port]]);
    for (const p of hit.peers) {
      assert.deepEqual(p.host, "127.0.0.1");
      assert.match(p.sharedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
    assert.deepEqual(
      (await c.search("JAZZ")).results[0]?.sha256,
      hit.sha256,
      "keyword search is case-insensitive",
    );

    const done = await c.download(hit, { peerId: 2 });
    assert.deepEqual(done.sources, 1);
    assert.deepEqual(done.path, join(out.path, "song.mp3"));
    assert.deepEqual(await Deno.readFile(done.path), SONG);
    const here = await c.download(hit);
    assert.deepEqual(here.existing, { path: done.path, where: "download folder" });
    const again = await c.download(hit, { again: true });
    assert.deepEqual(
      again.path,
      join(out.path, "song (1).mp3"),
      "an existing file is never overwritten",
    );

    assert.deepEqual((await c.search("no-such-thing")).results, []);

    await a.close();
    await waitFor(
      async () => (await c.search("song")).results[0]?.peers.length === 1,
      "peer 1 to vanish",
    );
    assert.deepEqual((await c.search("jazz")).results, [], "keywords of the leaver are gone");
    assert.deepEqual(net.lines.filter((l) => l.includes("left")).length, 1);
    assert.match(net.lines.at(-1)!, /peer 1 \(alice\).* left \(bye\); 1 peer on the network/);
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
  }
});

Deno.test("a closed connection removes the peer's files at once", async () => {
  await using net = testServer();
  const sharer = await IndexClient.connect(net.address, { port: 4000 });
  const client = await IndexClient.connect(net.address);
  try {
    await sharer.register([{
      name: "a.txt",
      type: "txt",
      size: 3,
      mtime: 0,
      sha256: "a".repeat(64),
      description: "",
      chunkSize: 1048576, // chunkSizeFor(size)
      chunkRoot: "a".repeat(64),
    }]);
    assert.equal((await client.search("a.txt")).results.length, 1);
    sharer.close(); // no BYE, as when a peer crashes
    await sharer.closed;
    await waitFor(
      async () => (await client.search("a.txt")).results.length === 0,
      "files to vanish",
    );
    assert.match(net.lines.at(-1)!, /peer 1 at 127\.0\.0\.1:4000 left \(closed\)/);
  } finally {
    await client.bye();
  }
});

Deno.test("download from an unreachable holder fails with a one-line reason and leaves no file", async () => {
  await using net = testServer();
  await using out = await tempDir();
  const c = await Peer.start({ server: net.address, outDir: out.path });
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const ghost = {
      name: "x.bin",
      type: "bin",
      size: 3,
      mtime: 0,
      description: "",
      sha256: "0".repeat(64),
      chunkSize: 1048576, // chunkSizeFor(size)
      chunkRoot: "0".repeat(64),
      peers: [{
        id: 9,
        host: "127.0.0.1",
        port,
        sharedAt: new Date().toISOString(),
        name: "x.bin",
      }],
    };
    await assert.rejects(() => c.download(ghost), (err: Error) => {
      assert.ok(err instanceof SwapmeetError);
      assert.match(
        err.message,
        /peer 9 \(127\.0\.0\.1:\d+\): Cannot reach 127\.0\.0\.1:\d+: connection refused/,
      );
      assert.ok(!err.message.includes("\n"));
      return true;
    });
    assert.deepEqual([...Deno.readDirSync(out.path)], []);
  } finally {
    await c.close();
  }
});
