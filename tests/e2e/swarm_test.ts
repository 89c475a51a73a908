import assert from "node:assert/strict";
import { join } from "node:path";
import { downloadFile } from "../../peer/downloader.ts";
import { startFileServer } from "../../peer/file_server.ts";
import { IndexClient } from "../../peer/index_client.ts";
import { Peer } from "../../peer/peer.ts";
import { scanShare } from "../../peer/share_folder.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { sayHello } from "../../shared/handshake.ts";
import {
  Proc,
  randomBytes,
  runMain,
  sha256Hex,
  tempDir,
  testServer,
  waitFor,
} from "../_helpers.ts";

const MiB = 1024 * 1024;

/** Starts `share` subprocesses of `dir` against a server; returns them with their peer IDs. */
async function sharers(port: number, dirs: string[], extra: string[] = []) {
  const procs: Proc[] = [];
  for (const dir of dirs) {
    const p = new Proc(["share", dir, "--server", `127.0.0.1:${port}`, ...extra]);
    procs.push(p);
    await p.waitFor(/Peer \d+: sharing/);
  }
  return procs;
}

Deno.test("three holders, one killed mid-download: the file still arrives whole", async () => {
  const content = randomBytes(24 * MiB, 21);
  await using a = await tempDir({ "movie.mkv": content });
  await using b = await tempDir({ "movie.mkv": content });
  await using c = await tempDir({ "movie.mkv": content });
  await using out = await tempDir();
  await using net = testServer();
  const procs = await sharers(net.port, [a.path, b.path, c.path], ["--max-upload-rate", "6M"]);
  const client = await IndexClient.connect(net.address);
  try {
    const [hit] = (await client.search("movie")).results;
    assert.equal(hit.peers.length, 3, "one result, three sources");
    let killed = false;
    let maxSources = 0;
    const done = await downloadFile(hit, {
      outDir: out.path,
      onProgress: (p) => {
        maxSources = Math.max(maxSources, p.sources);
        if (!killed && p.received >= content.length / 4) {
          killed = true;
          procs[1].kill("SIGKILL");
        }
      },
    });
    assert.ok(killed);
    assert.equal(maxSources, 3, "all three holders sent chunks at once");
    assert.equal(await sha256Hex(await Deno.readFile(done.path)), hit.sha256);
  } finally {
    await client.bye();
    for (const p of procs) await p[Symbol.asyncDispose]();
  }
});

Deno.test("a holder serving corrupted bytes is detected and dropped; the file is still right", async () => {
  const content = randomBytes(6 * MiB + 3, 22);
  await using good = await tempDir({ "data.iso": content });
  await using bad = await tempDir({ "data.iso": content });
  await using out = await tempDir();
  await using net = testServer();
  // The dishonest holder runs in this process: its upload transform flips a byte of every piece.
  const corrupt = await Peer.start({
    server: net.address,
    shareDir: bad.path,
    hostname: "127.0.0.1",
    uploadTransform: (bytes) => {
      bytes[0] ^= 0xff;
    },
  });
  // The honest one is slow enough that the dishonest one surely sends chunks before the end.
  const [honest] = await sharers(net.port, [good.path], ["--max-upload-rate", "3M"]);
  try {
    const r = await runMain([
      "get",
      "data.iso",
      "--server",
      `127.0.0.1:${net.port}`,
      "--out",
      out.path,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Dropped peer 1: sent chunk \d+ with a wrong SHA-256; dropped for this download/,
    );
    assert.deepEqual(await Deno.readFile(join(out.path, "data.iso")), content);
  } finally {
    await corrupt.close();
    await honest[Symbol.asyncDispose]();
  }
});

Deno.test("a get killed halfway resumes from its verified chunks and finishes with the right hash", async () => {
  const content = randomBytes(10 * MiB, 23);
  await using share = await tempDir({ "course.zip": content });
  await using out = await tempDir();
  await using net = testServer();
  const [holder] = await sharers(net.port, [share.path], ["--max-upload-rate", "4M"]);
  try {
    const args = ["get", "course.zip", "--server", `127.0.0.1:${net.port}`, "--out", out.path];
    const first = new Proc(args);
    const state = join(out.path, "course.zip.part.json");
    await waitFor(
      async () => {
        const s = await Deno.readTextFile(state).then(JSON.parse, () => null);
        return s && [s.done, s.written].some((b) => /[^A]/.test(b.replace(/=+$/, "")));
      },
      "a chunk on record",
      20_000,
    );
    first.kill("SIGKILL");
    await first[Symbol.asyncDispose]();
    assert.ok(
      (await Deno.stat(join(out.path, "course.zip.part"))).isFile,
      ".part stays after a crash",
    );

    const second = await runMain(args);
    assert.equal(second.code, 0, second.stderr);
    const m = second.stderr.match(/Resuming course\.zip: (\d+) of 10 chunks already verified/);
    assert.ok(m && Number(m[1]) >= 1, second.stderr);
    assert.equal(
      await sha256Hex(await Deno.readFile(join(out.path, "course.zip"))),
      await sha256Hex(content),
    );
    const left = [...Deno.readDirSync(out.path)].map((e) => e.name);
    assert.deepEqual(left, ["course.zip"], "no .part or state left");
  } finally {
    await holder[Symbol.asyncDispose]();
  }
});

Deno.test("five downloaders fetch the same file from the same holders at once", async () => {
  const content = randomBytes(5 * MiB + 11, 24);
  await using a = await tempDir({ "lecture.mp4": content });
  await using b = await tempDir({ "lecture.mp4": content });
  await using out = await tempDir();
  await using net = testServer();
  const procs = await sharers(net.port, [a.path, b.path], ["--upload-slots", "3"]);
  try {
    const runs = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        runMain([
          "get",
          "lecture.mp4",
          "--server",
          `127.0.0.1:${net.port}`,
          "--out",
          join(out.path, `d${i}`),
          "--quiet",
        ])
      ),
    );
    const sha = await sha256Hex(content);
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await sha256Hex(await Deno.readFile(r.stdout.trim())), sha);
    }
  } finally {
    for (const p of procs) await p[Symbol.asyncDispose]();
  }
});

Deno.test("upload slots: an extra downloader gets BUSY with its place, then its turn", async () => {
  await using share = await tempDir({ "slot.bin": randomBytes(4 * MiB, 25) });
  const { files } = await scanShare(share.path);
  // Slow uploads: a request for the whole file holds the one slot for seconds.
  const fs = startFileServer((sha) => files.find((f) => f.sha256 === sha), {
    hostname: "127.0.0.1",
    port: 0,
    uploadSlots: 1,
    maxUploadRate: 1_000_000,
  });
  const open = async () => {
    const conn = new MessageConnection(
      await Deno.connect({ hostname: "127.0.0.1", port: fs.addr.port }),
    );
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    return conn;
  };
  const first = await open();
  const second = await open();
  const third = await open();
  try {
    const sha = files[0].sha256;
    const whole = { type: "DOWNLOAD", sha256: sha } as const;
    await first.send(whole);
    assert.equal((await first.expect(["FILE"])).size, 4 * MiB);
    await second.send(whole);
    assert.deepEqual(await second.expect(["BUSY"]), { type: "BUSY", status: "busy", position: 1 });
    await third.send(whole);
    assert.equal((await third.expect(["BUSY"])).position, 2);
    first.close(); // its transfer ends, and with it its slot
    await waitFor(async () => {
      await second.send(whole);
      return (await second.expect(["FILE", "BUSY"])).type === "FILE";
    }, "the second downloader's turn");
    await third.send(whole);
    assert.equal((await third.expect(["BUSY"])).position, 1, "third moved up");
  } finally {
    for (const c of [first, second, third]) c.close();
    await fs.close();
  }
});
