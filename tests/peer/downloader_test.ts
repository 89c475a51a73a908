import assert from "node:assert/strict";
import { downloadFile } from "../../peer/downloader.ts";
import { createFileService, type FileService } from "../../peer/file_server.ts";
import { scanShare } from "../../peer/share_folder.ts";
import type { Holder, SearchResult } from "../../shared/protocol.ts";
import { corruptEveryPiece, randomBytes, tempDir } from "../_helpers.ts";
import { pipeConnector } from "../_pipes.ts";

const MiB = 1024 * 1024;

/** Holders 1…n sharing `content` through in-process file services. */
async function holders(
  content: Uint8Array,
  n: number,
  corrupt: number[] = [],
  honestRate?: number,
) {
  const dir = await tempDir({ "lecture.mp4": content });
  const [file] = (await scanShare(dir.path)).files;
  const services = new Map<number, FileService>();
  const peers: Holder[] = [];
  for (let id = 1; id <= n; id++) {
    services.set(
      id,
      createFileService((sha) => sha === file.sha256 ? file : undefined, {
        uploadTransform: corrupt.includes(id) ? corruptEveryPiece : undefined,
        maxUploadRate: corrupt.includes(id) ? undefined : honestRate,
      }),
    );
    peers.push({
      id,
      host: `10.0.0.${id}`,
      port: 4000,
      sharedAt: "2026-11-30T12:00:00Z",
      name: file.name,
    });
  }
  const { path: _p, chunkHashes: _h, part: _part, ...record } = file;
  const result: SearchResult = { ...record, peers };
  return { dir, result, connect: pipeConnector(services) };
}

Deno.test("downloadFile over in-memory pipes: three holders, every chunk checked, the file whole", async () => {
  const content = randomBytes(5 * MiB + 17, 141);
  const h = await holders(content, 3);
  await using _dir = h.dir;
  await using out = await tempDir();
  const done = await downloadFile(h.result, { outDir: out.path, connect: h.connect });
  assert.deepEqual(await Deno.readFile(done.path), content);
  assert.ok(done.sources >= 1 && done.sources <= 3);
});

Deno.test("downloadFile over in-memory pipes: a corrupting holder is dropped by name, the file is right", async () => {
  const content = randomBytes(4 * MiB, 142);
  // The honest holder is slow enough that the corrupting one surely sends chunks.
  const h = await holders(content, 2, [1], 4_000_000);
  await using _dir = h.dir;
  await using out = await tempDir();
  const notes: string[] = [];
  const done = await downloadFile(h.result, {
    outDir: out.path,
    connect: h.connect,
    onNote: (l) => notes.push(l),
  });
  assert.deepEqual(await Deno.readFile(done.path), content);
  assert.ok(
    notes.some((l) => /^Dropped peer 1: sent chunk \d+ with a wrong SHA-256/.test(l)),
    notes.join("\n"),
  );
  assert.equal(done.sources, 1, "only the honest holder's chunks were kept");
});

Deno.test("downloadFile over in-memory pipes: saveAs names the file; an existing file is never replaced", async () => {
  const content = randomBytes(MiB + 3, 143);
  const h = await holders(content, 1);
  await using _dir = h.dir;
  await using out = await tempDir({ "talk.mp4": "mine" });
  const done = await downloadFile(h.result, {
    outDir: out.path,
    connect: h.connect,
    saveAs: "talk.mp4",
  });
  assert.match(done.path, /talk \(1\)\.mp4$/);
  assert.equal(await Deno.readTextFile(`${out.path}/talk.mp4`), "mine");
  assert.deepEqual(await Deno.readFile(done.path), content);
});

Deno.test("downloadFile over in-memory pipes: a file of 32 MiB or more (hashed on a worker thread) arrives whole", async () => {
  const content = randomBytes(33 * MiB, 144);
  const h = await holders(content, 1);
  await using _dir = h.dir;
  await using out = await tempDir();
  const done = await downloadFile(h.result, { outDir: out.path, connect: h.connect });
  assert.deepEqual(await Deno.readFile(done.path), content);
});

Deno.test("a resumed download checks its chunks again and fetches the ones that changed on disk", async () => {
  const content = randomBytes(4 * MiB, 145);
  const h = await holders(content, 1);
  await using _dir = h.dir;
  await using out = await tempDir();
  // A download stopped with every chunk on record, then chunk 2 damaged on disk.
  const partPath = `${out.path}/lecture.mp4.part`;
  await downloadFile(h.result, { outDir: out.path, connect: h.connect });
  await Deno.rename(`${out.path}/lecture.mp4`, partPath);
  const damaged = await Deno.readFile(partPath);
  damaged[2 * MiB + 7] ^= 0xff;
  await Deno.writeFile(partPath, damaged);
  await Deno.writeTextFile(
    `${partPath}.json`,
    JSON.stringify({
      version: 2,
      sha256: h.result.sha256,
      size: h.result.size,
      chunkSize: MiB,
      chunkRoot: h.result.chunkRoot,
      hashes: null,
      done: "Dw==",
      written: "AA==",
    }),
  );
  const notes: string[] = [];
  const done = await downloadFile(h.result, {
    outDir: out.path,
    connect: h.connect,
    onNote: (l) => notes.push(l),
  });
  assert.ok(
    notes.includes("Resuming lecture.mp4: 3 of 4 chunks already verified (1 failed the check)."),
    notes.join("\n"),
  );
  assert.equal(done.resumedBytes, 3 * MiB);
  assert.deepEqual(await Deno.readFile(done.path), content);
});
