/**
 * LAN discovery between two hosts (network namespaces, see _netns.ts):
 * nobody gives an address.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, tempDir } from "../_helpers.ts";
import { lanTest } from "./_netns.ts";

const NOTES = "Lecture 7: distributed hash tables\n".repeat(1000);
const WATCH = join(ROOT, "tests", "e2e", "_lan_watch.ts");

lanTest(
  "peers on two hosts find the server by themselves; discover lists what is announced",
  async (a, b) => {
    await using share = await tempDir({ "lecture_notes.txt": NOTES });
    await using out = await tempDir();
    await using lab = a.start(["server", "--port", "0", "--name", "CS Lab index"]);
    const labPort = (await lab.waitFor(/listening on 0\.0\.0\.0:(\d+)/))[1];
    await lab.waitFor(/Announced on the LAN as "CS Lab index"/);
    const found = `CS Lab index at ${a.address}:${labPort}, found on the LAN`;

    await using sharer = a.start(["share", share.path]);
    await sharer.waitFor(/Peer 1: sharing 1 file/);
    assert.match(sharer.stderr, new RegExp(`Using index server ${found}`));

    const search = await b.run(["search", "lecture", "--json"]);
    assert.equal(search.code, 0, search.stderr);
    assert.equal(search.stderr.trim(), `Using index server ${found}`);
    const [result] = JSON.parse(search.stdout);
    assert.equal(result.name, "lecture_notes.txt");
    assert.equal(result.peers[0].host, a.address);

    const get = await b.run(["get", "lecture_notes.txt", "--out", out.path, "--quiet"]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(await Deno.readTextFile(join(out.path, "lecture_notes.txt")), NOTES);

    const one = await b.run(["discover", "--json", "--timeout", "1"]);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout), [
      {
        name: "CS Lab index",
        host: a.address,
        port: Number(labPort),
        secret: false,
        network: null,
      },
    ]);

    // A second server on host A is a second entry; one started with --no-announce is not.
    await using physics = a.start([
      "server",
      "--port",
      "0",
      "--name",
      "Physics",
      "--network",
      "physics",
      "--secret",
      "s3cret-key",
    ]);
    const physicsPort = (await physics.waitFor(/listening on 0\.0\.0\.0:(\d+)/))[1];
    await physics.waitFor(/Announced on the LAN as "Physics"/);
    await using hidden = a.start(["server", "--port", "0", "--name", "Hidden", "--no-announce"]);
    await hidden.waitFor(/listening on/);
    const two = await b.run(["discover", "--timeout", "1"]);
    assert.equal(two.code, 0, two.stderr);
    const lines = two.stdout.trimEnd().split("\n").map((l) => l.trim().split(/\s{2,}/));
    assert.deepEqual(lines.sort(), [
      ["CS Lab index", `${a.address}:${labPort}`, "open"],
      ["Physics", `${a.address}:${physicsPort}`, "secret", "network physics"],
    ]);
    assert.doesNotMatch(hidden.stdout, /Announced/);

    // Two networks: a subcommand will not guess; --network picks one.
    const ambiguous = await b.run(["search", "lecture"]);
    assert.equal(ambiguous.code, 2, ambiguous.stderr);
    assert.match(
      ambiguous.stderr,
      /^error: 2 index servers found on the LAN; pick one with --network/,
    );
    assert.match(ambiguous.stderr, /CS Lab index/);
    assert.match(ambiguous.stderr, /Physics .*secret/);
    const picked = await b.run(["search", "lecture", "--network", "CS Lab index"]);
    assert.equal(picked.code, 0, picked.stderr);
    assert.match(picked.stdout, /lecture_notes\.txt/);
    const secretNet = await b.run([
      "search",
      "lecture",
      "--network",
      "physics",
      "--secret",
      "s3cret-key",
    ]);
    assert.equal(secretNet.code, 1, "the physics index is empty");
    assert.match(
      secretNet.stderr,
      new RegExp(`Using index server Physics at ${a.address}:${physicsPort}`),
    );
  },
);

lanTest(
  "a stopped server says goodbye at once, and a sharing peer follows its server to another host",
  async (a, b) => {
    await using share = await tempDir({ "lecture_notes.txt": NOTES });
    await using lab = a.start(["server", "--port", "0", "--name", "CS Lab index"]);
    await lab.waitFor(/Announced on the LAN as "CS Lab index"/);
    await using sharer = a.start(["share", share.path]);
    await sharer.waitFor(/Peer 1: sharing 1 file/);
    await using watch = b.start([], { script: WATCH });
    await watch.waitFor(/\+ CS Lab index/);

    lab.kill("SIGTERM");
    assert.equal((await lab.status()).code, 0);
    // The records live for 120 s: only a goodbye makes them go this soon.
    await watch.waitFor(/- CS Lab index/, 5_000);
    await sharer.waitFor(/Lost the index server/);

    await using moved = b.start(["server", "--port", "0", "--name", "Moved index"]);
    const movedPort = (await moved.waitFor(/listening on 0\.0\.0\.0:(\d+)/))[1];
    await sharer.waitFor(new RegExp(`The index server is now at ${b.address}:${movedPort}\\.`));
    await sharer.waitFor(/Reconnected to the index server as peer 1; registered 1 file\./);
    await moved.waitFor(new RegExp(`peer 1 at ${a.address.replaceAll(".", "\\.")}:\\d+ joined`));
  },
);

lanTest(
  "with no server announced, discover exits 1 and peers fall back to 127.0.0.1:1234",
  async (_a, b) => {
    const none = await b.run(["discover", "--timeout", "0.5"]);
    assert.equal(none.code, 1);
    assert.equal(none.stdout, "");
    assert.equal(none.stderr.trim(), "No index server answered on the LAN within 0.5 s.");

    const nowhere = await b.run(["search", "lecture"]);
    assert.equal(nowhere.code, 1);
    assert.equal(
      nowhere.stderr.trim(),
      "No index server found on the LAN; trying 127.0.0.1:1234.\n" +
        "error: No index server found on the LAN, and none at 127.0.0.1:1234 (connection refused). " +
        "Give one with --server HOST:PORT (or set SWAPMEET_SERVER).",
    );

    // A server that does not announce is still found at the fallback address.
    await using local = b.start(["server", "--no-announce"]);
    await local.waitFor(/listening on 0\.0\.0\.0:1234/);
    const fallback = await b.run(["search", "lecture"]);
    assert.equal(fallback.code, 1, fallback.stderr);
    assert.match(fallback.stderr, /No files match "lecture"/);
  },
);

lanTest(
  "the menu lists the servers found on the LAN and makes the chosen one its default",
  async (a, b) => {
    await using share = await tempDir({ "poem.txt": "roses are red\n" });
    await using cwd = await tempDir();
    await using lab = a.start(["server", "--port", "0", "--name", "CS Lab index"]);
    await lab.waitFor(/Announced on the LAN as "CS Lab index"/);
    await using physics = a.start(["server", "--port", "0", "--name", "Physics"]);
    await physics.waitFor(/Announced on the LAN as "Physics"/);
    const input = ["2", "", "", "", share.path, "0", "4", ""].join("\n");
    const menu = await b.run([], { cwd: cwd.path, stdinText: input });
    assert.equal(menu.code, 0, menu.stderr + menu.stdout);
    assert.match(menu.stdout, /Found 2 index servers on the LAN:\n 1 - \S/);
    const first = /\n 1 - (CS Lab index|Physics)\s+(10\.213\.\d+\.1):(\d+)/.exec(menu.stdout);
    assert.ok(first, menu.stdout);
    assert.match(menu.stdout, /Index server \(1-2\) \[1\]: /);
    assert.ok(menu.stdout.includes(`Index server host [${first[2]}]: `), menu.stdout);
    assert.ok(menu.stdout.includes(`Index server port [${first[3]}]: `), menu.stdout);
    const chosen = first[1] === "Physics" ? physics : lab;
    await chosen.waitFor(/peer 1 at .* joined/);
    assert.match(menu.stdout, /Peer 1: sharing 1 file/);
  },
);
