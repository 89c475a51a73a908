/**
 * Eclipse: many dead or lying holders listed ahead of the one honest holder
 * cannot keep a download from it (every listed holder is a candidate, each
 * failing one is replaced by the next), nor, on the index, keep it off the list.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { downloadFile } from "../../peer/downloader.ts";
import { IndexClient } from "../../peer/index_client.ts";
import { Peer } from "../../peer/peer.ts";
import { withDeadline } from "../../shared/deadline.ts";
import type { Holder } from "../../shared/protocol.ts";
import {
  corruptEveryPiece,
  Proc,
  randomBytes,
  runMain,
  tempDir,
  testServer,
  waitFor,
} from "../_helpers.ts";
import {
  chunkListOf,
  type FakeHolder,
  fakeHolder,
  holderAt,
  realHolder,
  resultOf,
} from "./_holders.ts";

const MiB = 1024 * 1024;

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
function deadPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

Deno.test("downloadFile reaches the one honest holder behind 99 dead and lying ones, all faster", async () => {
  const content = randomBytes(6 * MiB, 301);
  await using real = await realHolder("big.bin", content, 100, { rttMs: 5 });
  const badList = {
    ...chunkListOf(real.file),
    hashes: real.file.chunkHashes.map(() => "0".repeat(64)),
  };
  const fakes: FakeHolder[] = [
    // A chunk list that does not match the chunk root.
    ...Array.from({ length: 15 }, () =>
      fakeHolder(async (conn) => {
        for (;;) {
          await conn.expect(["CHUNKS"], 60_000);
          await conn.send(badList);
        }
      })),
    // The right chunk list, then wrong bytes.
    ...Array.from({ length: 12 }, () =>
      fakeHolder(async (conn) => {
        for (;;) {
          const req = await conn.expect(["CHUNKS", "DOWNLOAD"], 60_000);
          if (req.type === "CHUNKS") {
            await conn.send(chunkListOf(real.file));
            continue;
          }
          const offset = req.offset ?? 0;
          const size = req.length ?? content.length - offset;
          await conn.send({ type: "FILE", status: "ok", size, offset, total: content.length });
          await conn.writeRaw(new Uint8Array(size).fill(7));
        }
      })),
    // Not shared here.
    ...Array.from({ length: 12 }, () =>
      fakeHolder(async (conn) => {
        await conn.expect(["CHUNKS", "DOWNLOAD"], 60_000);
        await conn.send({
          type: "ERROR",
          status: "error",
          code: "NOT_FOUND",
          message: "No longer shared",
        });
      })),
  ];
  await using out = await tempDir();
  try {
    const holders: Holder[] = [
      ...Array.from({ length: 60 }, (_, i) => holderAt(i + 1, deadPort(), "big.bin", 0)),
      ...fakes.map((f, i) => holderAt(61 + i, f.port, "big.bin", 0)),
      real.holder,
    ];
    const done = await withDeadline(
      downloadFile(resultOf(real.file, holders), { outDir: out.path }),
      60_000,
      "the download did not finish within 60 s",
    );
    assert.deepEqual(await Deno.readFile(done.path), content);
  } finally {
    for (const f of fakes) await f[Symbol.asyncDispose]();
  }
});

Deno.test("holders that answer BUSY forever or never send are swapped after the stall time for untried ones", async () => {
  const content = randomBytes(3 * MiB, 302);
  await using real = await realHolder("talk.mp3", content, 20, { rttMs: 9 });
  const fakes = Array.from({ length: 10 }, (_, i) =>
    fakeHolder(async (conn) => {
      for (;;) {
        const req = await conn.expect(["CHUNKS", "DOWNLOAD"], 120_000);
        if (req.type === "CHUNKS") await conn.send(chunkListOf(real.file));
        else if (i % 2 === 0) await conn.send({ type: "BUSY", status: "busy", position: 1 });
        // the others never answer a DOWNLOAD
      }
    }));
  await using out = await tempDir();
  const notes: string[] = [];
  try {
    const holders = [...fakes.map((f, i) => holderAt(i + 1, f.port, "talk.mp3", 1)), real.holder];
    const done = await withDeadline(
      downloadFile(resultOf(real.file, holders), {
        outDir: out.path,
        stallMs: 1_000,
        timeoutMs: 60_000, // only the stall time can free the places the fakes hold
        onNote: (l) => notes.push(l),
      }),
      30_000,
      "the download did not finish within 30 s",
    );
    assert.deepEqual(await Deno.readFile(done.path), content);
    assert.ok(notes.some((l) => /trying others/.test(l)), notes.join("\n"));
  } finally {
    for (const f of fakes) await f[Symbol.asyncDispose]();
  }
});

Deno.test("get finishes when 105 dead holders and 10 corrupting ones registered before the honest one", async () => {
  const content = randomBytes(4 * MiB, 303);
  await using share = await tempDir({ "big.bin": content });
  await using out = await tempDir();
  await using net = testServer();
  const fakes: IndexClient[] = [];
  const liars: Peer[] = [];
  const liarDirs = await Promise.all(
    Array.from({ length: 10 }, () => tempDir({ "big.bin": content })),
  );
  let honest: Proc | undefined;
  try {
    // The liars share real copies and answer every check, but corrupt every piece they send.
    for (const dir of liarDirs) {
      liars.push(
        await Peer.start({
          server: net.address,
          shareDir: dir.path,
          hostname: "127.0.0.1",
          uploadTransform: corruptEveryPiece,
        }),
      );
    }
    const first = await IndexClient.connect(net.address);
    const [record] = (await first.search("big.bin")).results;
    await first.bye();
    const { peers: _peers, names: _names, ...fields } = record;
    // 105 peers whose file servers do not exist register the same record.
    for (let i = 0; i < 105; i++) {
      const c = await IndexClient.connect(net.address, { port: deadPort(), name: `fake${i}` });
      fakes.push(c);
      await c.register([fields]);
    }
    // Only now does the honest holder come.
    honest = new Proc(["share", share.path, "--server", `127.0.0.1:${net.port}`]);
    await honest.waitFor(/Peer (\d+): sharing/);
    const honestId = Number(honest.stdout.match(/Peer (\d+): sharing/)![1]);
    const client = await IndexClient.connect(net.address);
    try {
      await waitFor(
        async () => (await client.locate(record.sha256))?.peers.some((p) => p.id === honestId),
        "the honest holder listed",
      );
    } finally {
      await client.bye();
    }
    const r = await runMain([
      "get",
      "big.bin",
      "--server",
      `127.0.0.1:${net.port}`,
      "--out",
      out.path,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await Deno.readFile(join(out.path, "big.bin")), content);
  } finally {
    for (const c of fakes) await c.bye().catch(() => {});
    for (const p of liars) await p.close();
    for (const d of liarDirs) await d[Symbol.asyncDispose]();
    await honest?.[Symbol.asyncDispose]();
  }
});
