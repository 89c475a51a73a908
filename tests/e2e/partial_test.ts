import { basename } from "node:path";
import assert from "node:assert/strict";
import { downloadFile } from "../../peer/downloader.ts";
import { startFileServer } from "../../peer/file_server.ts";
import { Peer } from "../../peer/peer.ts";
import { scanShare, type SharedFile } from "../../peer/share_folder.ts";
import { encodeChunkBitmap } from "../../shared/chunks.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { RemoteError } from "../../shared/errors.ts";
import { sayHello } from "../../shared/handshake.ts";
import { randomBytes, tempDir, testServer, waitFor } from "../_helpers.ts";

const MiB = 1024 * 1024;

Deno.test("a holder still downloading serves its verified chunks only, and says which it has", async () => {
  const content = randomBytes(3 * MiB + 10, 41);
  await using share = await tempDir({ "half.bin": content });
  const [file] = (await scanShare(share.path)).files;
  // Chunks 0 and 2 verified, chunk 1 and 3 (the 10-byte tail) not yet.
  const done = new Set([0, 2]);
  const partial: SharedFile = {
    ...file,
    part: {
      covers: (offset, length) => {
        for (let i = Math.floor(offset / MiB); i <= Math.floor((offset + length - 1) / MiB); i++) {
          if (!done.has(i)) return false;
        }
        return true;
      },
      have: () => encodeChunkBitmap(new Uint8Array([0b0101])),
    },
  };
  const fs = startFileServer((sha) => sha === file.sha256 ? partial : undefined, {
    hostname: "127.0.0.1",
    port: 0,
  });
  const conn = new MessageConnection(
    await Deno.connect({ hostname: "127.0.0.1", port: fs.addr.port }),
  );
  try {
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    await conn.send({ type: "CHUNKS", sha256: file.sha256 });
    const list = await conn.expect(["CHUNK_LIST"]);
    assert.equal(list.have, "BQ==");
    assert.deepEqual(list.hashes, file.chunkHashes);
    const get = async (offset: number, length: number) => {
      await conn.send({ type: "DOWNLOAD", sha256: file.sha256, offset, length });
      const reply = await conn.expect(["FILE"]);
      const bytes = new Uint8Array(reply.size);
      await conn.readInto(bytes);
      return bytes;
    };
    assert.deepEqual(await get(2 * MiB, MiB), content.subarray(2 * MiB, 3 * MiB));
    for (const [offset, length] of [[MiB, MiB], [0, 2 * MiB], [3 * MiB - 1, 2], [3 * MiB, 10]]) {
      await assert.rejects(
        get(offset, length),
        (err) => err instanceof RemoteError && err.code === "NOT_FOUND",
        `bytes ${offset}+${length}`,
      );
    }
    // The connection is still good, and a chunk verified meanwhile is served.
    done.add(1);
    assert.deepEqual(await get(MiB, 2 * MiB), content.subarray(MiB, 3 * MiB));
  } finally {
    conn.close();
    await fs.close();
  }
});

Deno.test("a download in progress is a source: another peer gets the whole file from it alone", async () => {
  const content = randomBytes(6 * MiB, 42);
  await using a = await tempDir({ "lecture.mp4": content });
  await using b = await tempDir();
  await using bOut = await tempDir();
  await using cOut = await tempDir();
  await using net = testServer();
  // The first holder sends slowly, so the second is mid-download for a few seconds.
  const holder = await Peer.start({
    server: net.address,
    shareDir: a.path,
    hostname: "127.0.0.1",
    maxUploadRate: 2 * MiB,
  });
  const middle = await Peer.start({
    server: net.address,
    shareDir: b.path,
    hostname: "127.0.0.1",
    outDir: bOut.path,
  });
  try {
    const [hit] = (await middle.search("lecture")).results;
    let middleHas = 0;
    const middleDone = middle.download(hit, { onProgress: (p) => middleHas = p.received });
    // The index soon lists the middle peer as a holder that has some chunks.
    const seen = await waitFor(async () => {
      const now = await middle.locate(hit.sha256);
      return now?.peers.find((p) => p.id === middle.peerId && p.partial);
    }, "the download in progress to be registered");
    assert.equal(
      seen.name,
      `${basename(bOut.path)}/lecture.mp4`,
      "under the download folder's name",
    );
    // A third peer downloads from the middle one only, which is still downloading.
    let early = 0; // bytes the third peer had while the middle one was still short of the file
    const got = await downloadFile({ ...hit, peers: [seen] }, {
      outDir: cOut.path,
      onProgress: (p) => {
        if (middleHas < content.length) early = p.received;
      },
    });
    assert.deepEqual(await Deno.readFile(got.path), content);
    assert.ok(early > 0, "nothing came from the middle peer before it had the whole file");
    const mine = await middleDone;
    assert.deepEqual(await Deno.readFile(mine.path), content);
    // Finished: the middle peer is a complete holder under the same name.
    const after = await waitFor(async () => {
      const now = await middle.locate(hit.sha256);
      const m = now?.peers.find((p) => p.id === middle.peerId);
      return m && !m.partial ? m : null;
    }, "the finished download to replace the partial one");
    assert.equal(after.name, `${basename(bOut.path)}/lecture.mp4`);
  } finally {
    await middle.close();
    await holder.close();
  }
});

Deno.test("when no holder sends anything for the stall time, get stops and keeps what came", async () => {
  const content = randomBytes(3 * MiB, 43);
  await using share = await tempDir({ "stuck.bin": content });
  await using out = await tempDir();
  const [file] = (await scanShare(share.path)).files;
  // It has chunk 0 and never more.
  const stuck: SharedFile = {
    ...file,
    part: { covers: (offset, length) => offset + length <= MiB, have: () => "AQ==" },
  };
  const fs = startFileServer((sha) => sha === file.sha256 ? stuck : undefined, {
    hostname: "127.0.0.1",
    port: 0,
  });
  try {
    const { path: _path, chunkHashes: _hashes, part: _part, ...record } = stuck;
    const result = {
      ...record,
      peers: [{
        id: 9,
        host: "127.0.0.1",
        port: fs.addr.port,
        sharedAt: new Date().toISOString(),
        name: file.name,
        partial: true,
      }],
    };
    await assert.rejects(
      downloadFile(result, { outDir: out.path, stallMs: 1_000 }),
      /^SwapmeetError: Download of stuck\.bin failed: No holder sent anything for 1 second \(the \.part file is kept: the same download resumes from it\)$/,
    );
    // The chunk it had stays on record in the .part file (checked on resume).
    const state = JSON.parse(await Deno.readTextFile(`${out.path}/stuck.bin.part.json`));
    assert.equal(state.written, "AQ==");
  } finally {
    await fs.close();
  }
});
