import assert from "node:assert/strict";
import { join } from "node:path";
import { Peer } from "../../peer/peer.ts";
import { Proc, randomBytes, runMain, tempDir, testServer, waitFor } from "../_helpers.ts";

const TALK = randomBytes(200_000, 51);

/** Answers for menu choice 2 up to the peer menu (server, share, port, download folder). */
function peerAnswers(port: number, share: string, outDir = ""): string[] {
  return ["2", "127.0.0.1", String(port), share, "0", outDir];
}

Deno.test("menu: every result shows its holders; the chosen holder's name is the saved name", async () => {
  await using net = testServer();
  await using a = await tempDir({ "lecture.mp3": TALK, "poem.txt": "roses" });
  await using b = await tempDir({ "talk.mp3": TALK });
  await using mine = await tempDir({ "mine.txt": "x" });
  await using cwd = await tempDir();
  const pa = await Peer.start({ server: net.address, shareDir: a.path, hostname: "127.0.0.1" });
  const pb = await Peer.start({ server: net.address, shareDir: b.path, hostname: "127.0.0.1" });
  try {
    const input = [
      ...peerAnswers(net.port, mine.path),
      ...["1", "poem", ""], // one holder: shown all the same
      ...["1", "talk", "1", String(pb.peerId)], // two holders: take peer 2's talk.mp3
      "4",
    ].join("\n");
    const r = await runMain([], { cwd: cwd.path, stdinText: input + "\n" });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(
      r.stdout,
      /1\. poem\.txt .*1 source.*\n {7}peer 1 {2}127\.0\.0\.1:\d+ {2}shared \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
    );
    assert.match(r.stdout, /Saved .*talk\.mp3 \(195 KiB, SHA-256 verified, from 1 source\)/);
    assert.deepEqual(await Deno.readFile(join(cwd.path, "downloads", "talk.mp3")), TALK);
  } finally {
    await pa.close();
    await pb.close();
  }
});

Deno.test("menu: a wrong answer is asked again; the server is checked before the share questions", async () => {
  await using net = testServer();
  await using share = await tempDir({ "a.txt": "a" });
  await using cwd = await tempDir();
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = dead.addr.port;
  dead.close();
  const input = [
    "2",
    "127.0.0.1",
    String(deadPort), // nobody listens: asked again
    "",
    "0", // no server listens on port 0: asked again
    String(net.port),
    join(share.path, "missing"), // no such folder: asked again
    share.path,
    "70000", // not a port: asked again
    "0",
    "",
    "4",
  ].join("\n");
  const r = await runMain([], { cwd: cwd.path, stdinText: input + "\n" });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const unreachable = r.stdout.indexOf(
    `Cannot reach an index server at 127.0.0.1:${deadPort} (connection refused). Is it running? Type its address again.`,
  );
  assert.ok(unreachable > 0, r.stdout);
  assert.ok(unreachable < r.stdout.indexOf("Folder to share"), "the server is checked first");
  assert.match(r.stdout, /The port must be a port number from 1 to 65535, got "0"; try again\./);
  assert.ok(
    !r.stdout.includes(`Index server port [${deadPort}]`),
    "Enter after a failure gives the default again, not the port that failed",
  );
  assert.match(r.stdout, /missing does not exist\. Type another folder\.\nFolder to share \[/);
  assert.match(
    r.stdout,
    /The port must be a port number from 0 to 65535, got "70000"; try again\./,
  );
  assert.match(r.stdout, /Peer 1: sharing 1 file from/);
  assert.match(r.stdout, /Bye\.\n$/);
});

Deno.test("menu: the folder you share is refused as the download folder, and the questions come again", async () => {
  await using net = testServer();
  await using share = await tempDir({ "a.txt": "a" });
  await using cwd = await tempDir();
  const input = [
    ...peerAnswers(net.port, share.path, share.path),
    ...["", "", "", "", join(cwd.path, "incoming")], // Enter keeps the answers; another folder
    "4",
  ].join("\n");
  const r = await runMain([], { cwd: cwd.path, stdinText: input + "\n" });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.ok(
    r.stdout.includes(`The download folder ${share.path} is the folder you share`),
    r.stdout,
  );
  assert.match(r.stdout, /downloads go to .*incoming\./);
  assert.match(r.stdout, /Bye\.\n$/);
});

Deno.test("menu server: a taken port is asked again, in the menu's words", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await using p = new Proc([], { stdin: true });
    await p.write(`1\n127.0.0.1\n${taken.addr.port}\n`);
    await p.waitFor(/Listen on host \[127\.0\.0\.1\]: /);
    assert.match(
      p.stdout,
      new RegExp(
        `Cannot listen on 127\\.0\\.0\\.1:${taken.addr.port}: another index server or program is using that port; type another port, or 0 for any free port\\.`,
      ),
    );
    assert.ok(!p.stdout.includes("--port"), "no flag a menu user can't type");
    await p.write("\n0\n");
    await p.waitFor(/listening on 127\.0\.0\.1:\d+/);
    await p.write("quit\n");
    assert.equal((await p.status()).code, 0);
  } finally {
    taken.close();
  }
});

Deno.test("menu: a notice while a question waits does not land inside it", async () => {
  await using net = testServer();
  await using share = await tempDir({ "a.txt": "a" });
  await using cwd = await tempDir();
  await using p = new Proc([], { cwd: cwd.path, stdin: true });
  await p.write(peerAnswers(net.port, share.path).join("\n") + "\n");
  await p.waitFor(/4 - Quit\nChoice: $/);
  await net.server.close();
  await p.waitFor(/Lost the index server/);
  assert.match(
    p.stdout,
    /Choice: \nLost the index server \(shut down: [^\n]*\)\. [^\n]*\nChoice: /,
  );
  await p.write("4\n");
  assert.equal((await p.status()).code, 0);
});

Deno.test("menu: your own file is not offered; a second menu peer here gets its own download folder", async () => {
  await using net = testServer();
  await using share = await tempDir({ "poem.txt": "roses" });
  await using cwd = await tempDir();
  await using first = new Proc([], { cwd: cwd.path, stdin: true });
  await first.write(peerAnswers(net.port, share.path).join("\n") + "\n1\npoem\n1\n");
  await first.waitFor(/That is your own file: you share it as poem\.txt\./);
  await first.waitFor(/Choice: $/);

  await using second = new Proc([], { cwd: cwd.path, stdin: true });
  await second.write(peerAnswers(net.port, share.path).join("\n") + "\n");
  await second.waitFor(/Download folder \[downloads-2\]: /);
  assert.match(
    second.stdout,
    /downloads is the download folder of another peer running here\. Type another folder\./,
  );
  await second.write("\n");
  await second.waitFor(new RegExp(`downloads go to ${join(cwd.path, "downloads-2")}\\.`));
  await second.write("4\n");
  await first.write("4\n");
  assert.equal((await second.status()).code, 0);
  assert.equal((await first.status()).code, 0);
  assert.deepEqual([...Deno.readDirSync(join(cwd.path, "downloads"))].map((e) => e.name), [
    ".swapmeet-peer.lock",
  ]);
});

Deno.test("menu: Ctrl-C during a download stops that download and comes back to the menu", async () => {
  await using net = testServer();
  const big = randomBytes(8 * 1024 * 1024, 52);
  await using a = await tempDir({ "slow.iso": big });
  await using mine = await tempDir({ "mine.txt": "x" });
  await using cwd = await tempDir();
  const holder = await Peer.start({
    server: net.address,
    shareDir: a.path,
    hostname: "127.0.0.1",
    maxUploadRate: 1_000_000, // 8 s for the whole file: time enough to interrupt it
  });
  await using menu = new Proc([], { cwd: cwd.path, stdin: true });
  try {
    await menu.write([...peerAnswers(net.port, mine.path), "1", "slow", "1", ""].join("\n") + "\n");
    await waitFor(async () => {
      const state = await Deno.readTextFile(join(cwd.path, "downloads", "slow.iso.part.json"))
        .then(JSON.parse, () => null);
      return state && /[^A=]/.test(state.done + state.written);
    }, "a chunk of the download on record");
    menu.kill("SIGINT");
    await menu.waitFor(/Stopped slow\.iso\. What was verified is kept/);
    await menu.write("4\n");
    const { code } = await menu.status();
    assert.equal(code, 0, menu.stdout + menu.stderr);
    assert.match(menu.stdout, /Stopped slow\.iso[^\n]*\n[\s\S]*1 - Search and download/);
    assert.doesNotMatch(
      menu.stdout,
      /error: Stopped/i,
      "a stop the user asked for is not an error",
    );
  } finally {
    await holder.close();
  }
});
