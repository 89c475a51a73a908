import assert from "node:assert/strict";
import { join } from "node:path";
import { DownloadError, downloadFile } from "../peer/downloader.ts";
import { MessageConnection } from "../shared/connection.ts";
import { errorMessage } from "../shared/errors.ts";
import { acceptHello } from "../shared/handshake.ts";
import type { Holder, SearchResult } from "../shared/protocol.ts";
import { randomBytes, sha256Hex, tempDir } from "./_helpers.ts";

const CONTENT = randomBytes(300_000, 11);

type Behaviour = "good" | "truncate" | "corrupt" | "notfound" | "wrongsize";

/** A holder on port 0 that misbehaves on purpose. Counts the connections it gets. */
function fakeHolder(behaviour: Behaviour, id: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<MessageConnection>();
  let connections = 0;
  const loop = (async () => {
    for await (const tcp of listener) {
      connections++;
      const conn = new MessageConnection(tcp);
      conns.add(conn);
      (async () => {
        await acceptHello(conn, { timeoutMs: 5_000 });
        await conn.send({ type: "HI", status: "ok", peerId: 0 });
        await conn.expect(["DOWNLOAD"]);
        const size = CONTENT.length;
        if (behaviour === "notfound") {
          return await conn.send(errorMessage("NOT_FOUND", "No longer shared"));
        }
        if (behaviour === "wrongsize") {
          return await conn.send({
            type: "FILE",
            status: "ok",
            size: size + 1,
            offset: 0,
            total: size + 1,
          });
        }
        await conn.send({ type: "FILE", status: "ok", size, offset: 0, total: size });
        if (behaviour === "truncate") return await conn.writeRaw(CONTENT.subarray(0, size / 2));
        const bytes = CONTENT.slice();
        if (behaviour === "corrupt") bytes[1234] ^= 0xff;
        await conn.writeRaw(bytes);
        await conn.receive(5_000).catch(() => {});
      })().catch(() => {}).finally(() => conn.close());
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

async function fileOf(peers: Holder[]): Promise<SearchResult> {
  return {
    name: "data.bin",
    type: "bin",
    size: CONTENT.length,
    mtime: 0,
    sha256: await sha256Hex(CONTENT),
    description: "",
    peers,
  };
}

Deno.test("each failing holder is skipped with a reason and the next one delivers the file", async () => {
  await using truncate = fakeHolder("truncate", 2);
  await using corrupt = fakeHolder("corrupt", 3);
  await using notfound = fakeHolder("notfound", 4);
  await using wrongsize = fakeHolder("wrongsize", 5);
  await using good = fakeHolder("good", 6);
  await using out = await tempDir();
  const file = await fileOf([
    unreachable(1),
    truncate.holder,
    corrupt.holder,
    notfound.holder,
    wrongsize.holder,
    good.holder,
  ]);
  const done = await downloadFile(file, { outDir: out.path });
  assert.equal(done.holder.id, 6);
  assert.deepEqual(await Deno.readFile(done.path), CONTENT);
  assert.deepEqual(
    [...Deno.readDirSync(out.path)].map((e) => e.name),
    ["data.bin"],
    "no .part left behind",
  );
});

Deno.test("when every holder fails, one line names each reason and no file appears", async () => {
  await using truncate = fakeHolder("truncate", 2);
  await using corrupt = fakeHolder("corrupt", 3);
  await using notfound = fakeHolder("notfound", 4);
  await using wrongsize = fakeHolder("wrongsize", 5);
  await using out = await tempDir();
  const file = await fileOf([
    unreachable(1),
    truncate.holder,
    corrupt.holder,
    notfound.holder,
    wrongsize.holder,
  ]);
  await assert.rejects(() => downloadFile(file, { outDir: out.path }), (e: Error) => {
    assert.ok(e instanceof DownloadError);
    assert.ok(!e.message.includes("\n"));
    assert.match(e.message, /peer 1 \(.*\): Cannot reach .*: connection refused/);
    assert.match(e.message, /peer 2 \(.*\): Connection closed with 150000 bytes to go/);
    assert.match(e.message, /peer 3 \(.*\): SHA-256 mismatch/);
    assert.match(e.message, /peer 4 \(.*\): No longer shared/);
    assert.match(e.message, /peer 5 \(.*\): holder offers 300001 bytes, the index says 300000/);
    return true;
  });
  const left = [...Deno.readDirSync(out.path)].map((e) => e.name);
  assert.ok(!left.includes("data.bin"), "no final file");
});

Deno.test("a full disk stops the download at once with a clear message", async () => {
  await using good = fakeHolder("good", 1);
  await using spare = fakeHolder("good", 2);
  await using out = await tempDir();
  await Deno.symlink("/dev/full", join(out.path, "data.bin.part"));
  const file = await fileOf([good.holder, spare.holder]);
  await assert.rejects(
    () => downloadFile(file, { outDir: out.path }),
    /stopped: cannot write .*data\.bin\.part: No space left on device/,
  );
  assert.equal(spare.connections, 0, "no other holder is tried for a local failure");
});

Deno.test("an output folder that cannot be created is a one-line error", async () => {
  await using good = fakeHolder("good", 1);
  await using dir = await tempDir({ "afile": "x" });
  await assert.rejects(
    () =>
      fileOf([good.holder]).then((f) =>
        downloadFile(f, { outDir: join(dir.path, "afile", "sub") })
      ),
    /^DownloadError: Cannot create download folder .*afile\/sub: Not a directory$/,
  );
});
