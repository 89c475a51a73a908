import assert from "node:assert/strict";
import { join } from "node:path";
import { downloadFile } from "../../peer/downloader.ts";
import { SwapmeetError } from "../../shared/errors.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { errorMessage } from "../../shared/errors.ts";
import { acceptHello } from "../../shared/handshake.ts";
import type { Holder, SearchResult } from "../../shared/protocol.ts";
import { createHash } from "node:crypto";
import { chunkCount, chunkRoot, chunkSizeFor } from "../../shared/chunks.ts";
import { canMount, randomBytes, sha256Hex, smallDisk, tempDir } from "../_helpers.ts";

const CONTENT = randomBytes(3 * 1024 * 1024 + 300_000, 11);
const CHUNK = chunkSizeFor(CONTENT.length);
const HASHES = Array.from(
  { length: chunkCount(CONTENT.length, CHUNK) },
  (_, i) => createHash("sha256").update(CONTENT.subarray(i * CHUNK, (i + 1) * CHUNK)).digest("hex"),
);

type Behaviour = "good" | "truncate" | "corrupt" | "notfound" | "wrongsize" | "badlist";

/** A holder on port 0 that misbehaves on purpose. Counts the connections it gets. */
function fakeHolder(behaviour: Behaviour, id: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<MessageConnection>();
  let connections = 0;
  const serve = async (conn: MessageConnection) => {
    await acceptHello(conn, { timeoutMs: 5_000 });
    await conn.send({ type: "HI", status: "ok", peerId: 0 });
    for (;;) {
      const req = await conn.expect(["DOWNLOAD", "CHUNKS", "BYE"], 5_000);
      if (req.type === "BYE") return;
      if (behaviour === "notfound") {
        return await conn.send(errorMessage("NOT_FOUND", "No longer shared"));
      }
      if (req.type === "CHUNKS") {
        const hashes = behaviour === "badlist" ? HASHES.map(() => "0".repeat(64)) : HASHES;
        await conn.send({
          type: "CHUNK_LIST",
          status: "ok",
          sha256: req.sha256,
          size: CONTENT.length,
          chunkSize: CHUNK,
          hashes,
        });
        continue;
      }
      const offset = req.offset ?? 0;
      const length = req.length ?? CONTENT.length;
      if (behaviour === "wrongsize") {
        return await conn.send({
          type: "FILE",
          status: "ok",
          size: length + 1,
          offset,
          total: CONTENT.length,
        });
      }
      await conn.send({ type: "FILE", status: "ok", size: length, offset, total: CONTENT.length });
      const bytes = CONTENT.slice(offset, offset + length);
      if (behaviour === "truncate") return await conn.writeRaw(bytes.subarray(0, length / 2));
      if (behaviour === "corrupt") bytes[1234] ^= 0xff;
      await conn.writeRaw(bytes);
    }
  };
  const loop = (async () => {
    for await (const tcp of listener) {
      connections++;
      const conn = new MessageConnection(tcp);
      conns.add(conn);
      serve(conn).catch(() => {}).finally(() => conn.close());
    }
  })();
  const holder: Holder = {
    id,
    host: "127.0.0.1",
    port: listener.addr.port,
    sharedAt: "2026-01-01T00:00:00Z",
    name: "data.bin",
  };
  return {
    holder,
    get connections() {
      return connections;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) c.close();
      await loop.catch(() => {});
    },
  };
}

function unreachable(id: number): Holder {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return { id, host: "127.0.0.1", port, sharedAt: "2026-01-01T00:00:00Z", name: "data.bin" };
}

async function fileOf(peers: Holder[], withChunks = true): Promise<SearchResult> {
  const base = {
    name: "data.bin",
    type: "bin",
    size: CONTENT.length,
    mtime: 0,
    sha256: await sha256Hex(CONTENT),
    description: "",
    peers,
  };
  // Without chunks: a record from before the index required them (the downloader still copes).
  return withChunks
    ? { ...base, chunkSize: CHUNK, chunkRoot: chunkRoot(HASHES) }
    : base as SearchResult;
}

/** Peer 1 can't be reached; peers 2–5 truncate, corrupt, no longer share, or misstate the size. */
function failingHolders(): { holders: Holder[] } & AsyncDisposable {
  const fakes = (["truncate", "corrupt", "notfound", "wrongsize"] as const)
    .map((behaviour, i) => fakeHolder(behaviour, i + 2));
  return {
    holders: [unreachable(1), ...fakes.map((f) => f.holder)],
    async [Symbol.asyncDispose]() {
      for (const f of fakes) await f[Symbol.asyncDispose]();
    },
  };
}

Deno.test("each failing holder is skipped with a reason and the next one delivers the file", async () => {
  await using failing = failingHolders();
  await using good = fakeHolder("good", 6);
  await using out = await tempDir();
  const file = await fileOf([...failing.holders, good.holder]);
  const notes: string[] = [];
  const done = await downloadFile(file, { outDir: out.path, onNote: (l) => notes.push(l) });
  assert.deepEqual(await Deno.readFile(done.path), CONTENT);
  assert.equal(done.sources, 1, "only the good holder sent chunks");
  assert.ok(notes.length > 0, "the failing holders are noted");
  for (const line of notes) {
    assert.match(
      line,
      /^Dropped peer [1-5]: \S/,
      "a note names a failing holder, never the good one",
    );
  }
  assert.deepEqual(
    [...Deno.readDirSync(out.path)].map((e) => e.name),
    ["data.bin"],
    "no .part left behind",
  );
});

Deno.test("when every holder fails, one line names each reason and no file appears", async () => {
  await using failing = failingHolders();
  await using out = await tempDir();
  const file = await fileOf(failing.holders);
  await assert.rejects(() => downloadFile(file, { outDir: out.path }), (e: Error) => {
    assert.ok(e instanceof SwapmeetError);
    assert.ok(!e.message.includes("\n"));
    assert.match(e.message, /peer 1 \(.*\): Cannot reach .*: connection refused/);
    assert.match(e.message, /peer 2 \(.*\): Connection closed with \d+ bytes to go/);
    assert.match(
      e.message,
      /peer 3 \(.*\): sent chunk \d+ with a wrong SHA-256; dropped for this download/,
    );
    assert.match(e.message, /peer 4 \(.*\): No longer shared/);
    assert.match(e.message, /peer 5 \(.*\): sent bytes \d+\+\d+ for a request of \d+\+\d+/);
    return true;
  });
  const left = [...Deno.readDirSync(out.path)].map((e) => e.name);
  assert.ok(!left.includes("data.bin"), "no final file");
});

Deno.test({
  name: "a full disk stops the download at once with a clear message and leaves no temp file",
  ignore: !canMount(),
  async fn() {
    await using good = fakeHolder("good", 1);
    await using spare = fakeHolder("good", 2);
    await using disk = await smallDisk(1024 * 1024);
    const file = await fileOf([good.holder, spare.holder]);
    await assert.rejects(() => downloadFile(file, { outDir: disk.path }), (e: Error) => {
      assert.match(
        e.message,
        /^Download of data\.bin stopped: cannot write .*data\.bin\.part: No space left on device/,
      );
      assert.ok(!/peer \d/.test(e.message), "a local failure is not blamed on holders");
      return true;
    });
    const left = [...Deno.readDirSync(disk.path)].map((e) => e.name).sort();
    assert.ok(!left.some((n) => n.endsWith(".tmp")), `no temp file left: ${left}`);
  },
});

Deno.test("an output folder that cannot be created is a one-line error", async () => {
  await using good = fakeHolder("good", 1);
  await using dir = await tempDir({ "afile": "x" });
  await assert.rejects(
    () =>
      fileOf([good.holder]).then((f) =>
        downloadFile(f, { outDir: join(dir.path, "afile", "sub") })
      ),
    /^SwapmeetError: Cannot create download folder .*afile\/sub: Not a directory$/,
  );
});
