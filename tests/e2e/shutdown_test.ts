import assert from "node:assert/strict";
import { IndexClient } from "../../peer/index_client.ts";
import { ConnectionClosedError } from "../../shared/errors.ts";
import { Peer } from "../../peer/peer.ts";
import { startIndexServer } from "../../server/index_server.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { sayHello } from "../../shared/handshake.ts";
import { Proc, randomBytes, runMain, sha256Hex, tempDir, waitFor } from "../_helpers.ts";

Deno.test("peers hear SHUTDOWN, keep serving, and re-register when the server is back", async () => {
  await using share = await tempDir({ "thesis.pdf": randomBytes(200_000, 5) });
  await using out = await tempDir();
  const serverLines: string[] = [];
  let server = startIndexServer({
    hostname: "127.0.0.1",
    port: 0,
    log: (l) => serverLines.push(l),
  });
  const port = server.addr.port;
  const peerLines: string[] = [];
  const peer = await Peer.start({
    server: { host: "127.0.0.1", port },
    shareDir: share.path,
    hostname: "127.0.0.1",
    backoffInitialMs: 50,
    log: (l) => peerLines.push(l),
  });
  let client: IndexClient | undefined;
  try {
    const before = (await peer.search("thesis")).results[0];
    await server.close();
    await waitFor(
      () =>
        peerLines.some((l) =>
          l.includes("Lost the index server (shut down: The index server is shutting down)")
        ),
      "SHUTDOWN noticed",
    );
    assert.equal(peer.connected, false);
    await assert.rejects(() => peer.search("thesis"), ConnectionClosedError);

    // Uploads do not need the index: a downloader that knows the holder still gets the file.
    const { downloadFile } = await import("../../peer/downloader.ts");
    const got = await downloadFile(before, { outDir: out.path });
    assert.equal(await sha256Hex(await Deno.readFile(got.path)), before.sha256);

    server = startIndexServer({ hostname: "127.0.0.1", port, log: (l) => serverLines.push(l) });
    await waitFor(() => peer.connected, "reconnection", 10_000);
    assert.ok(
      peerLines.some((l) =>
        /Reconnected to the index server as peer 1; registered 1 file\./.test(l)
      ),
      peerLines.join("\n"),
    );
    client = await IndexClient.connect({ host: "127.0.0.1", port });
    const after = (await client.search("thesis")).results[0];
    assert.equal(after?.sha256, before.sha256);
    assert.equal(after.peers[0].port, peer.port);
  } finally {
    await client?.bye();
    await peer.close();
    await server.close();
  }
});

Deno.test("server subprocess: SIGTERM and quit exit 0; a share process reconnects to the restarted server", async () => {
  await using share = await tempDir({ "slides.key": "keynote" });
  let server = new Proc(["server", "--host", "127.0.0.1", "--port", "0"]);
  const port = (await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1];
  await using sharer = new Proc(["share", share.path, "--server", `127.0.0.1:${port}`]);
  await sharer.waitFor(/Peer 1: sharing 1 file/);
  server.kill("SIGTERM");
  assert.equal((await server.status()).code, 0);
  assert.match(server.stdout, /Index server stopped\./);
  await server[Symbol.asyncDispose]();
  await sharer.waitFor(/Lost the index server \(shut down: .*\)\. Uploads go on; reconnecting/);

  const nowhere = await runMain(["search", "slides", "--server", `127.0.0.1:${port}`]);
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.stderr, /^error: Index server unreachable/);

  server = new Proc(["server", "--host", "127.0.0.1", "--port", port], { stdin: true });
  try {
    await server.waitFor(/listening/);
    await sharer.waitFor(/Reconnected to the index server as peer 1; registered 1 file\./, 40_000);
    assert.equal((await runMain(["search", "slides", "--server", `127.0.0.1:${port}`])).code, 0);
    await server.write("quit\n");
    assert.equal((await server.status()).code, 0);
  } finally {
    await server[Symbol.asyncDispose]();
  }
  sharer.kill("SIGTERM");
  assert.equal((await sharer.status(10_000)).code, 0);
});

Deno.test("a share process exits promptly on SIGTERM with an upload in flight", async () => {
  await using share = await tempDir({ "huge.bin": new Uint8Array(64 * 1024 * 1024) });
  await using server = new Proc(["server", "--host", "127.0.0.1", "--port", "0"]);
  const port = (await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1];
  await using sharer = new Proc(["share", share.path, "--server", `127.0.0.1:${port}`]);
  const filePort = Number((await sharer.waitFor(/on port (\d+)/))[1]);
  const client = await IndexClient.connect({ host: "127.0.0.1", port: Number(port) });
  const sha = (await client.search("huge")).results[0].sha256;
  await client.bye();
  const conn = new MessageConnection(await Deno.connect({ hostname: "127.0.0.1", port: filePort }));
  try {
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    await conn.send({ type: "DOWNLOAD", sha256: sha });
    const header = await conn.expect(["FILE"]);
    assert.equal(header.size, 8 * 1024 * 1024, "the most one request is served: 8 chunks");
    // Read nothing more: the holder is now blocked mid-upload (8 MiB is more than
    // the socket buffers hold).
    const t0 = Date.now();
    sharer.kill("SIGTERM");
    assert.equal((await sharer.status(10_000)).code, 0);
    assert.ok(Date.now() - t0 < 5_000, "exited promptly");
    await server.waitFor(/peer 1 at .* left \(bye\)/);
  } finally {
    conn.close();
  }
});
