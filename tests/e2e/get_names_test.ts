import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { Peer } from "../../peer/peer.ts";
import { randomBytes, runMain, tempDir, testServer } from "../_helpers.ts";

const TALK = randomBytes(300_000, 41);

/** Peers sharing the given folders (name → content) in this process, on a test server. */
async function sharePeers(
  net: ReturnType<typeof testServer>,
  folders: Record<string, string | Uint8Array>[],
) {
  const dirs = await Promise.all(folders.map((files) => tempDir(files)));
  const peers: Peer[] = [];
  for (const dir of dirs) {
    peers.push(
      await Peer.start({ server: net.address, shareDir: dir.path, hostname: "127.0.0.1" }),
    );
  }
  return {
    peers,
    async [Symbol.asyncDispose]() {
      for (const p of peers) await p.close();
      for (const d of dirs) await d[Symbol.asyncDispose]();
    },
  };
}

Deno.test("get NAME saves NAME, when the same bytes go by another name elsewhere", async () => {
  await using net = testServer();
  await using _ = await sharePeers(net, [{ "lecture.mp3": TALK }, { "audio/talk.mp3": TALK }]);
  await using out = await tempDir();
  const server = `127.0.0.1:${net.port}`;
  const talk = await runMain(["get", "talk.mp3", "--server", server, "--out", out.path]);
  assert.equal(talk.code, 0, talk.stderr);
  assert.equal(talk.stdout.trim(), join(out.path, "talk.mp3"));
  // Asked by the other name, from the holder that calls it talk.mp3: still the name asked for.
  await using out2 = await tempDir();
  const lecture = await runMain(
    ["get", "lecture.mp3", "--peer", "2", "--server", server, "--out", out2.path],
  );
  assert.equal(lecture.code, 0, lecture.stderr);
  assert.equal(lecture.stdout.trim(), join(out2.path, "lecture.mp3"));
  assert.deepEqual(await Deno.readFile(join(out2.path, "lecture.mp3")), TALK);
});

Deno.test("--peer narrows a name that two different files have", async () => {
  await using net = testServer();
  await using _ = await sharePeers(net, [{ "report.pdf": "draft one" }, {
    "report.pdf": "final two",
  }]);
  await using out = await tempDir();
  const server = `127.0.0.1:${net.port}`;
  const two = await runMain([
    "get",
    "report.pdf",
    "--peer",
    "2",
    "--server",
    server,
    "--out",
    out.path,
  ]);
  assert.equal(two.code, 0, two.stderr);
  assert.equal(await Deno.readTextFile(join(out.path, "report.pdf")), "final two");
  const both = await runMain(["get", "report.pdf", "--server", server, "--out", out.path]);
  assert.equal(both.code, 1);
  assert.match(
    both.stderr,
    /error: 2 different files match "report\.pdf" \(listed above\): give one's SHA-256, or --peer ID\n$/,
  );
  // The list shows each file's holders, so that --peer ID can be read off it.
  const listed = [...both.stderr.matchAll(/report\.pdf[^\n]*\n {7}peer (\d) /g)].map((m) => m[1]);
  assert.deepEqual(listed.sort(), ["1", "2"], both.stderr);
  const none = await runMain(["get", "report.pdf", "--peer", "7", "--server", server]);
  assert.equal(none.code, 1);
  assert.match(
    none.stderr,
    /^error: No file named "report\.pdf" that peer 7 holds is on the network/,
  );
});

Deno.test("get of content already in the output folder says where it is; --again fetches a copy", async () => {
  await using net = testServer();
  await using _ = await sharePeers(net, [{ "lecture.mp3": TALK }]);
  await using out = await tempDir();
  const args = ["get", "lecture.mp3", "--server", `127.0.0.1:${net.port}`, "--out", out.path];
  assert.equal((await runMain(args)).code, 0);
  await Deno.rename(join(out.path, "lecture.mp3"), join(out.path, "renamed.mp3"));
  const again = await runMain(args);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.trim(), join(out.path, "renamed.mp3"));
  assert.match(
    again.stderr,
    /Already here: it is in your download folder as renamed\.mp3, at .*renamed\.mp3 \(same SHA-256\)\. Nothing downloaded/,
  );
  assert.deepEqual([...Deno.readDirSync(out.path)].map((e) => e.name), ["renamed.mp3"]);
  const insist = await runMain([...args, "--again"]);
  assert.equal(insist.code, 0, insist.stderr);
  assert.equal(insist.stdout.trim(), join(out.path, "lecture.mp3"));
});

Deno.test("a download saved as NAME (1) is shared, and announced, under that name", async () => {
  await using net = testServer();
  await using _ = await sharePeers(net, [{ "syllabus.txt": "week 1: framing" }]);
  await using mine = await tempDir({ "notes.txt": "mine" });
  await using out = await tempDir({ "syllabus.txt": "an older syllabus" });
  const lines: string[] = [];
  const peer = await Peer.start({
    server: net.address,
    shareDir: mine.path,
    hostname: "127.0.0.1",
    outDir: out.path,
    log: (l) => lines.push(l),
  });
  try {
    const [hit] = (await peer.search("syllabus")).results;
    const done = await peer.download(hit);
    assert.equal(done.path, join(out.path, "syllabus (1).txt"));
    assert.ok(
      lines.includes(`Sharing ${basename(out.path)}/syllabus (1).txt as a new source.`),
      lines.join("\n"),
    );
    const after = (await peer.search("syllabus")).results[0];
    assert.deepEqual(after.peers.map((p) => p.name), [
      "syllabus.txt",
      `${basename(out.path)}/syllabus (1).txt`,
    ]);
  } finally {
    await peer.close();
  }
});
