/**
 * Issue 11, items 2, 3 and 6: holders that are busy, hung, stuck or never
 * read cannot stall a download or an upload slot.
 */
import assert from "node:assert/strict";
import { downloadFile } from "../../peer/downloader.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { withDeadline } from "../../shared/deadline.ts";
import { sayHello } from "../../shared/handshake.ts";
import { randomBytes, tempDir } from "../_helpers.ts";
import { chunkListOf, fakeHolder, holderAt, realHolder, resultOf } from "./_holders.ts";

const MiB = 1024 * 1024;

/** Opens a downloader connection to a file server on 127.0.0.1, past HELLO. */
async function openTo(port: number): Promise<MessageConnection> {
  const conn = new MessageConnection(await Deno.connect({ hostname: "127.0.0.1", port }));
  await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
  return conn;
}

Deno.test("a holder whose only slot is taken backs off; the idle holder serves the whole file", async () => {
  const content = randomBytes(6 * MiB, 101);
  // A's one slot is slow: a request for the whole file holds it for seconds.
  await using a = await realHolder("talk.mp3", content, 1, {
    uploadSlots: 1,
    maxUploadRate: 1_000_000,
    rttMs: 1,
  });
  await using b = await realHolder("talk.mp3", content, 2, { rttMs: 40 });
  await using out = await tempDir();
  // Another downloader holds A's only slot for the whole test.
  const hog = await openTo(a.holder.port);
  try {
    await hog.send({ type: "DOWNLOAD", sha256: a.file.sha256 });
    await hog.expect(["FILE"], 5_000); // and it reads nothing more
    const done = await withDeadline(
      downloadFile(resultOf(a.file, [a.holder, b.holder]), { outDir: out.path }),
      20_000,
      "get did not finish within 20 s with one busy and one idle holder",
    );
    assert.deepEqual(await Deno.readFile(done.path), content);
  } finally {
    hog.close();
  }
});

Deno.test("a holder that always answers BUSY is asked a handful of times, not thousands", async () => {
  const content = randomBytes(6 * MiB, 102);
  await using good = await realHolder("set.iso", content, 2, { maxUploadRate: 4_000_000 });
  await using busy = fakeHolder(async (conn, counter) => {
    for (;;) {
      const req = await conn.expect(["DOWNLOAD", "CHUNKS"], 60_000);
      if (req.type === "CHUNKS") {
        await conn.send(chunkListOf(good.file));
        continue;
      }
      counter.downloads++;
      await conn.send({ type: "BUSY", status: "busy", position: 1 });
    }
  });
  await using out = await tempDir();
  const holders = [holderAt(1, busy.port, "set.iso", 1), { ...good.holder, rttMs: 30 }];
  const done = await withDeadline(
    downloadFile(resultOf(good.file, holders), { outDir: out.path }),
    20_000,
    "get did not finish within 20 s",
  );
  assert.deepEqual(await Deno.readFile(done.path), content);
  assert.ok(busy.downloads >= 1, "the busy holder was tried");
  assert.ok(busy.downloads <= 20, `the busy holder got ${busy.downloads} DOWNLOAD requests`);
});

Deno.test("downloaders that never read lose their slots; an honest get still finishes", async () => {
  const big = randomBytes(64 * MiB, 103);
  await using holder = await realHolder("big.bin", big, 1, { sendStallMs: 1_000 });
  await using out = await tempDir();
  const stuck: MessageConnection[] = [];
  try {
    for (let i = 0; i < 8; i++) {
      const c = await openTo(holder.holder.port);
      await c.send({ type: "DOWNLOAD", sha256: holder.file.sha256, offset: 0, length: big.length });
      stuck.push(c); // and never read
    }
    const done = await withDeadline(
      downloadFile(resultOf(holder.file, [holder.holder]), { outDir: out.path }),
      30_000,
      "the honest get did not finish within 30 s",
    );
    assert.equal(done.bytes, big.length);
  } finally {
    for (const c of stuck) c.close();
  }
});

Deno.test("a holder still downloading that has nothing, as the only source: get stops after the stall time", async () => {
  const content = randomBytes(3 * MiB, 104);
  await using real = await realHolder("stuck.bin", content, 9);
  await using empty = fakeHolder(async (conn) => {
    for (;;) {
      await conn.expect(["CHUNKS"], 60_000);
      await conn.send(chunkListOf(real.file, ""));
    }
  });
  await using out = await tempDir();
  const holder = { ...holderAt(9, empty.port, "stuck.bin"), partial: true };
  await assert.rejects(
    withDeadline(
      downloadFile(resultOf(real.file, [holder]), { outDir: out.path, stallMs: 1_000 }),
      10_000,
      "get still waiting after 10 s",
    ),
    /No holder sent anything for 1 second/,
  );
});

Deno.test("a hung holder does not hold back a download the other holders finished", async () => {
  const content = randomBytes(6 * MiB, 105);
  await using good = await realHolder("lab.zip", content, 2, { rttMs: 20 });
  await using hung = fakeHolder(async (conn) => {
    for (;;) {
      const req = await conn.expect(["DOWNLOAD", "CHUNKS"], 120_000);
      if (req.type === "CHUNKS") {
        await conn.send(chunkListOf(good.file));
      } // a DOWNLOAD is never answered
    }
  });
  await using out = await tempDir();
  const holders = [holderAt(1, hung.port, "lab.zip", 1), good.holder];
  const done = await withDeadline(
    // The per-reply timeout is a minute: only finishing at once gets under the deadline.
    downloadFile(resultOf(good.file, holders), { outDir: out.path, timeoutMs: 60_000 }),
    10_000,
    "get waited for the hung holder",
  );
  assert.deepEqual(await Deno.readFile(done.path), content);
});
