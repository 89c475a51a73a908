import assert from "node:assert/strict";
import { join } from "node:path";
import { Proc, randomBytes, ROOT, runMain, sha256Hex, tempDir, testServer } from "../_helpers.ts";
import { IndexClient } from "../../peer/index_client.ts";

const BIG = randomBytes(2 * 1024 * 1024 + 5, 3);

Deno.test("end to end: server, two share processes, search --json, get", async () => {
  await using shareA = await tempDir({
    "big.bin": BIG,
    "readme.txt": "hi",
    "files.json": '[{"name":"big.bin","description":"dataset physics"}]',
  });
  await using shareB = await tempDir({ "copy/big.bin": BIG });
  await using out = await tempDir();
  await using server = new Proc(["server", "--host", "127.0.0.1", "--port", "0"]);
  const port = (await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1];
  const addr = `127.0.0.1:${port}`;
  await using a = new Proc(["share", shareA.path, "--server", addr, "--name", "ann"]);
  await a.waitFor(/Peer 1: sharing 2 files from .* on port \d+/);
  await using b = new Proc(["share", shareB.path, "--server", addr]);
  await b.waitFor(/Peer 2: sharing 1 file from .* on port \d+/);
  await server.waitFor(/peer 2 .* joined; 2 peers on the network/);

  const search = await runMain(["search", "physics", "--json", "--server", addr]);
  assert.equal(search.code, 0, search.stderr);
  const results = JSON.parse(search.stdout);
  assert.equal(results.length, 1);
  assert.equal(results[0].name, "big.bin");
  assert.equal(results[0].size, BIG.length);
  assert.equal(results[0].sha256, await sha256Hex(BIG));
  assert.deepEqual(results[0].peers.map((p: { id: number }) => p.id), [1, 2]);
  for (const p of results[0].peers) {
    assert.equal(p.host, "127.0.0.1");
    assert.ok(p.port > 0 && typeof p.sharedAt === "string");
  }

  const get = await runMain(["get", "big.bin", "--server", addr, "--out", out.path, "--peer", "2"]);
  assert.equal(get.code, 0, get.stderr);
  assert.equal(get.stdout.trim(), join(out.path, "big.bin"));
  assert.deepEqual(await Deno.readFile(join(out.path, "big.bin")), BIG);

  const missing = await runMain(["search", "nothing-like-this", "--server", addr]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No files match "nothing-like-this"/);
  const noFile = await runMain(["get", "nope.bin", "--server", addr, "--out", out.path]);
  assert.equal(noFile.code, 1);
  assert.equal(noFile.stderr.trim(), 'error: No file named "nope.bin" is on the network');

  a.kill("SIGTERM");
  assert.equal((await a.status()).code, 0, "share exits 0 on SIGTERM");
  await server.waitFor(/peer 1 \(ann\) .* left \(bye\); 1 peer on the network/);
});

Deno.test("bad usage and unreachable servers give one line on stderr and exit 2 or 1", async () => {
  const cases: [string[], number, RegExp][] = [
    [["fly"], 2, /^error: Unknown command "fly"/],
    [["search"], 2, /^error: search needs at least one word/],
    [["search", "x", "--limit", "zero"], 2, /^error: --limit must be a whole number/],
    [["server", "--port", "70000"], 2, /^error: --port must be a port number/],
    [
      ["share", "/definitely/not/here", "--server", "127.0.0.1:1"],
      1,
      /^error: Cannot open share folder: \/definitely\/not\/here does not exist/,
    ],
    [
      ["search", "x", "--server", "127.0.0.1:1"],
      1,
      /^error: Index server unreachable\. Cannot reach 127\.0\.0\.1:1: connection refused/,
    ],
    [["get", "--bogus"], 2, /^error: Unknown option '--bogus'/],
  ];
  for (const [args, code, re] of cases) {
    const r = await runMain(args);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(
      r.stderr.trim().split("\n").length,
      1,
      `one line for ${args.join(" ")}: ${r.stderr}`,
    );
  }
  for (const command of ["server", "share", "search", "get", "peer"]) {
    const r = await runMain([command, "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^Usage: swapmeet ${command}`));
  }
});

Deno.test("the menu works with piped stdin: run a peer, search, download, quit", async () => {
  await using net = testServer();
  await using share = await tempDir({ "poem.txt": "roses are red\n" });
  await using holder = await tempDir({ "notes/lecture.pdf": BIG });
  await using cwd = await tempDir();
  await using h = new Proc(["share", holder.path, "--server", `127.0.0.1:${net.port}`]);
  await h.waitFor(/Peer 1: sharing/);
  const input = [
    "2",
    "127.0.0.1",
    String(net.port),
    share.path,
    "0",
    "", // download folder: downloads/ in the current folder
    "1",
    "lecture",
    "1",
    "3",
    "4",
    "",
  ].join("\n");
  const r = await runMain([], { cwd: cwd.path, stdinText: input });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /1 - Run index server\n2 - Run peer/);
  assert.match(r.stdout, /Peer 2: sharing 1 file from/);
  assert.match(r.stdout, /1\. notes\/lecture\.pdf\s+2\.0 MiB\s+1 source/);
  assert.match(r.stdout, /Saved .*lecture\.pdf \(2\.0 MiB, SHA-256 verified, from 1 source\)/);
  assert.match(r.stdout, /poem\.txt/, "show my shares lists the shared file");
  assert.deepEqual(await Deno.readFile(join(cwd.path, "downloads", "lecture.pdf")), BIG);
  assert.ok(net.lines.some((l) => /peer 2 at .* left \(bye\)/.test(l)), "quit says BYE");
});

Deno.test("the menu runs an index server that stops on quit (and says so on help)", async () => {
  await using p = new Proc([], { stdin: true });
  await p.write("1\n127.0.0.1\n0\n");
  const port = Number((await p.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  const client = await IndexClient.connect({ host: "127.0.0.1", port });
  assert.equal(client.peerId, 1);
  await client.bye();
  await p.write("help\n");
  await p.waitFor(/The console takes one command: "quit"/);
  await p.write("quit\n");
  assert.equal((await p.status()).code, 0);
  assert.match(p.stdout, /Index server stopped\./);
});

Deno.test("deno bundle makes one file that answers search against a live server", async () => {
  await using dir = await tempDir();
  const bundle = join(dir.path, "swapmeet.js");
  const built = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "-o", bundle, join(ROOT, "main.ts")],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
  await using net = testServer();
  const sharer = await IndexClient.connect(net.address, { port: 4321 });
  try {
    await sharer.register([{
      name: "bundled.txt",
      type: "txt",
      size: 1,
      mtime: 0,
      sha256: "c".repeat(64),
      description: "",
      chunkSize: 1048576, // chunkSizeFor(size)
      chunkRoot: "c".repeat(64),
    }]);
    const r = await runMain(["search", "bundled", "--json", "--server", `127.0.0.1:${net.port}`], {
      script: bundle,
      cwd: dir.path,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout)[0].peers[0].port, 4321);
  } finally {
    await sharer.bye();
  }
});
