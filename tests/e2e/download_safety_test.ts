/**
 * Issue 11, items 4, 5 and 9 and the smaller ones: what a download writes,
 * believes and serves when holders or the index lie, or the download folder
 * has traps in it.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { downloadFile } from "../../peer/downloader.ts";
import { Peer } from "../../peer/peer.ts";
import { scanShare } from "../../peer/share_folder.ts";
import { chunkRoot } from "../../shared/chunks.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { errorMessage } from "../../shared/errors.ts";
import { sayHello } from "../../shared/handshake.ts";
import { corruptFirstChunk, randomBytes, runMain, tempDir, testServer } from "../_helpers.ts";
import { IndexClient } from "../../peer/index_client.ts";
import { fakeHolder, holderAt, realHolder, resultOf } from "./_holders.ts";

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

Deno.test("a link planted at NAME.part or NAME.part.json is never written through", async () => {
  const content = randomBytes(2 * MiB + 5, 111);
  await using holder = await realHolder("notes.txt", content, 1);
  await using elsewhere = await tempDir({
    "victim.txt": "precious",
    "victim2.txt": "precious too",
  });
  await using out = await tempDir();
  await Deno.symlink(join(elsewhere.path, "victim.txt"), join(out.path, "notes.txt.part"));
  await Deno.symlink(join(elsewhere.path, "victim2.txt"), join(out.path, "notes.txt.part.json"));
  const done = await downloadFile(resultOf(holder.file, [holder.holder]), { outDir: out.path });
  assert.equal(await Deno.readTextFile(join(elsewhere.path, "victim.txt")), "precious");
  assert.equal(await Deno.readTextFile(join(elsewhere.path, "victim2.txt")), "precious too");
  assert.equal(done.path, join(out.path, "notes.txt"));
  const info = await Deno.lstat(done.path);
  assert.ok(info.isFile && !info.isSymlink, "the downloaded file is a plain file");
  assert.deepEqual(await Deno.readFile(done.path), content);
});

Deno.test("one holder sending a wrong chunk is named, and the good chunks are kept", async () => {
  const content = randomBytes(4 * MiB, 112);
  await using holder = await realHolder("song.flac", content, 7, {
    uploadTransform: corruptFirstChunk,
  });
  await using out = await tempDir();
  await assert.rejects(
    downloadFile(resultOf(holder.file, [holder.holder]), { outDir: out.path }),
    (err: Error) => {
      assert.match(err.message, /peer 7 sent chunk 0 with a wrong SHA-256/);
      assert.doesNotMatch(err.message, /chunk list/);
      return true;
    },
  );
  const state = JSON.parse(await Deno.readTextFile(join(out.path, "song.flac.part.json")));
  assert.equal(state.done, "Dg==", "chunks 1 to 3 verified, chunk 0 not");
});

Deno.test("a chunk size that does not follow from the file size is refused before anything is written", async () => {
  const content = randomBytes(MiB + 1, 113);
  await using holder = await realHolder("x.bin", content, 1);
  await using out = await tempDir();
  for (const chunkSize of [0, 256 * MiB, MiB / 2]) {
    await assert.rejects(
      downloadFile({ ...resultOf(holder.file, [holder.holder]), chunkSize }, { outDir: out.path }),
      /was registered with chunks of \d+ bytes; a file of 1048577 bytes has chunks of 1048576/,
    );
  }
  assert.deepEqual([...Deno.readDirSync(out.path)], [], "no .part");
});

Deno.test("a chunk list from a lying holder is not kept for later downloads of the same file", async () => {
  const content = randomBytes(4 * MiB, 114);
  const real = Array.from(
    { length: 4 },
    (_, i) => sha256(content.subarray(i * MiB, (i + 1) * MiB)),
  );
  const poisoned = [...real.slice(0, 3), "f".repeat(64)];
  await using a = await realHolder("paper.pdf", content, 2, { rttMs: 10 });
  await using b = await realHolder("paper.pdf", content, 3, { rttMs: 10 });
  // It registered a chunk root of its own, serves the list for it, and no bytes.
  await using liar = fakeHolder(async (conn) => {
    for (;;) {
      const req = await conn.expect(["CHUNKS", "DOWNLOAD"], 60_000);
      if (req.type === "DOWNLOAD") return await conn.send(errorMessage("NOT_FOUND", "gone"));
      await conn.send({
        type: "CHUNK_LIST",
        status: "ok",
        sha256: a.file.sha256,
        size: content.length,
        chunkSize: MiB,
        hashes: poisoned,
      });
    }
  });
  await using out = await tempDir();
  const lie = { ...resultOf(a.file, [holderAt(1, liar.port, "paper.pdf", 1), a.holder]) };
  await assert.rejects(
    downloadFile({ ...lie, chunkRoot: chunkRoot(poisoned) }, { outDir: out.path }),
  );
  // The liar is gone; the honest holders' result has the honest chunk root.
  const done = await downloadFile(resultOf(a.file, [a.holder, b.holder]), { outDir: out.path });
  assert.deepEqual(await Deno.readFile(done.path), content);
});

Deno.test("a download shared while it runs never offers a chunk before its hash matched", async () => {
  const content = randomBytes(4 * MiB, 115);
  await using bad = await realHolder("video.mkv", content, 50, {
    uploadTransform: corruptFirstChunk,
    maxUploadRate: 2_000_000,
  });
  await using net = testServer();
  await using share = await tempDir();
  await using out = await tempDir();
  const peer = await Peer.start({
    server: net.address,
    shareDir: share.path,
    outDir: out.path,
    hostname: "127.0.0.1",
    watch: false,
  });
  const conn = new MessageConnection(
    await Deno.connect({ hostname: "127.0.0.1", port: peer.port }),
  );
  try {
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    let settled = false;
    const download = peer.download(resultOf(bad.file, [bad.holder])).finally(() => settled = true);
    download.catch(() => {});
    const offered = new Set<number>();
    while (!settled) {
      await conn.send({ type: "CHUNKS", sha256: bad.file.sha256 });
      const reply = await conn.expect(["CHUNK_LIST", "ERROR"], 5_000).catch(() => null);
      const have = reply?.type === "CHUNK_LIST" && reply.have ? atob(reply.have) : "";
      for (let i = 0; i < 4; i++) {
        if (offered.has(i) || !(have.charCodeAt(i >> 3) & (1 << (i & 7)))) continue;
        await conn.send({
          type: "DOWNLOAD",
          sha256: bad.file.sha256,
          offset: i * MiB,
          length: MiB,
        });
        const file = await conn.expect(["FILE", "ERROR"], 5_000).catch(() => null);
        if (file?.type !== "FILE") continue;
        const bytes = new Uint8Array(file.size);
        await conn.readInto(bytes, 5_000);
        assert.equal(sha256(bytes), bad.file.chunkHashes[i], `chunk ${i} was offered unverified`);
        offered.add(i);
      }
    }
    await assert.rejects(download, /peer 50/);
  } finally {
    conn.close();
    await peer.close();
  }
});

Deno.test("registrants of a bogus chunk root cannot stop get: the honest variant is tried next", async () => {
  const content = randomBytes(3 * MiB, 116);
  await using share = await tempDir({ "syllabus.pdf": content });
  await using out = await tempDir();
  await using net = testServer();
  const [real] = (await scanShare(share.path)).files;
  // First, two registrants with no file server claim the same bytes under another chunk root.
  const liars = await Promise.all([1, 2].map(() => IndexClient.connect(net.address, { port: 9 })));
  const { path: _p, chunkHashes: _h, part: _part, ...record } = real;
  for (const liar of liars) await liar.register([{ ...record, chunkRoot: "0".repeat(64) }]);
  const honest = await Peer.start({
    server: net.address,
    shareDir: share.path,
    hostname: "127.0.0.1",
  });
  try {
    const server = `127.0.0.1:${net.port}`;
    for (const target of ["syllabus.pdf", real.sha256]) {
      await Deno.remove(join(out.path, "syllabus.pdf")).catch(() => {});
      const r = await runMain(["get", target, "--server", server, "--out", out.path]);
      assert.equal(r.code, 0, `get ${target}: ${r.stderr}`);
      assert.deepEqual(await Deno.readFile(join(out.path, "syllabus.pdf")), content);
    }
  } finally {
    for (const liar of liars) await liar.bye();
    await honest.close();
  }
});
