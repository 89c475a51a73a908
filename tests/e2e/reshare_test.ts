import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { downloadFile } from "../../peer/downloader.ts";
import { IndexClient } from "../../peer/index_client.ts";
import { Peer } from "../../peer/peer.ts";
import { randomBytes, tempDir, testServer, waitFor } from "../_helpers.ts";

const MiB = 1024 * 1024;

Deno.test("a completed download is shared at once: search shows one more source", async () => {
  const content = randomBytes(3 * MiB, 26);
  await using a = await tempDir({ "notes.pdf": content });
  await using b = await tempDir();
  await using out = await tempDir();
  await using net = testServer();
  const holder = await Peer.start({ server: net.address, shareDir: a.path, hostname: "127.0.0.1" });
  const lines: string[] = [];
  const fetcher = await Peer.start({
    server: net.address,
    shareDir: b.path,
    hostname: "127.0.0.1",
    outDir: out.path,
    log: (l) => lines.push(l),
  });
  try {
    const [hit] = (await fetcher.search("notes")).results;
    assert.equal(hit.peers.length, 1);
    await fetcher.download(hit);
    const after = (await fetcher.search("notes")).results[0];
    assert.deepEqual(after.peers.map((p) => [p.id, p.name]), [[holder.peerId, "notes.pdf"], [
      fetcher.peerId,
      `${basename(out.path)}/notes.pdf`,
    ]]);
    assert.ok(lines.includes(`Sharing ${basename(out.path)}/notes.pdf as a new source.`));
    // And the new source really serves it.
    await using again = await tempDir();
    const done = await downloadFile({
      ...after,
      peers: after.peers.filter((p) => p.id === fetcher.peerId),
    }, { outDir: again.path });
    assert.deepEqual(await Deno.readFile(done.path), content);
  } finally {
    await fetcher.close();
    await holder.close();
  }
});

Deno.test("files added, changed or removed in a running share reach the index without a restart", async () => {
  await using share = await tempDir({ "old.txt": "old" });
  await using net = testServer();
  const peer = await Peer.start({
    server: net.address,
    shareDir: share.path,
    hostname: "127.0.0.1",
  });
  const client = await IndexClient.connect(net.address);
  try {
    const found = async (q: string) => (await client.search(q)).results;
    await Deno.writeTextFile(join(share.path, "fresh_upload.txt"), "new content");
    await waitFor(
      async () => (await found("fresh_upload")).length === 1,
      "the new file in search",
    );
    await Deno.remove(join(share.path, "old.txt"));
    await waitFor(
      async () => (await found("old.txt")).length === 0,
      "the removed file gone",
    );
    const before = (await found("fresh_upload"))[0].sha256;
    await Deno.writeTextFile(join(share.path, "fresh_upload.txt"), "edited content");
    await waitFor(
      async () => (await found("fresh_upload"))[0]?.sha256 !== before,
      "the edit registered",
    );
    // Hidden files and downloads in progress are skipped: once the marker written
    // after them is registered, the rescan that saw them is over.
    await Deno.writeTextFile(join(share.path, ".hidden_draft"), "x");
    await Deno.writeTextFile(join(share.path, "partial.bin.part"), "x");
    await Deno.writeTextFile(join(share.path, "marker.txt"), "m");
    await waitFor(async () => (await found("marker")).length === 1, "the marker in search");
    assert.deepEqual(peer.shares.map((f) => f.name).sort(), ["fresh_upload.txt", "marker.txt"]);
    assert.deepEqual(await found("hidden_draft"), []);
    assert.deepEqual(await found("partial"), []);
  } finally {
    await client.bye();
    await peer.close();
  }
});

Deno.test("a peer started again goes on sharing what it downloaded before", async () => {
  await using share = await tempDir({ "mine.txt": "mine" });
  await using out = await tempDir({ "fetched.pdf": "downloaded last week", "half.bin.part": "x" });
  await using net = testServer();
  const peer = await Peer.start({
    server: net.address,
    shareDir: share.path,
    hostname: "127.0.0.1",
    outDir: out.path,
    shareDownloads: true,
  });
  try {
    const names = peer.shares.map((f) => f.name).sort();
    assert.deepEqual(names, [`${basename(out.path)}/fetched.pdf`, "mine.txt"].sort());
    const [hit] = (await peer.search("fetched")).results;
    assert.equal(hit?.peers[0].id, peer.peerId, "on the index");
  } finally {
    await peer.close();
  }
});
