import assert from "node:assert/strict";
import { downloadFile } from "../peer/downloader.ts";
import { IndexClient } from "../peer/index_client.ts";
import { Peer } from "../peer/peer.ts";
import { MessageConnection } from "../shared/connection.ts";
import { clientProof, sayHello, serverProof } from "../shared/handshake.ts";
import { AuthError } from "../shared/errors.ts";
import type { Message } from "../shared/protocol.ts";
import { runMain, tempDir, testServer } from "./_helpers.ts";

const SECRET = "class-of-2026";

Deno.test("handshake proofs are HMAC-SHA-256 over both nonces (byte vector)", () => {
  const a = "1".repeat(64);
  const b = "2".repeat(64);
  // Computed independently: printf 'swapmeet-server\n%s\n%s' A B | openssl dgst -sha256 -hmac k
  assert.equal(
    serverProof("k", a, b),
    "c3ce54ad56b445eb2b16b94c49567cda6f4ad523365070ecdb71d90c0d9b4e72",
  );
  assert.equal(
    clientProof("k", b, a),
    "498de500c2b2345a790aa27374d3d25f90e5ac8d55008c8abc6755f62880baad",
  );
  assert.notEqual(serverProof("k", a, b), serverProof("k2", a, b));
});

Deno.test("private network: the right secret joins, a wrong or missing one is refused", async () => {
  await using net = testServer({ secret: SECRET });
  const good = await IndexClient.connect(net.address, { secret: SECRET, port: 5000 });
  try {
    assert.equal(good.peerId, 1);
    await assert.rejects(
      () => IndexClient.connect(net.address, { secret: "wrong-secret" }),
      (e: Error) => {
        assert.ok(e instanceof AuthError);
        assert.match(e.message, /does not know the secret/);
        return true;
      },
    );
    await assert.rejects(() => IndexClient.connect(net.address), (e: Error) => {
      assert.ok(e instanceof AuthError);
      assert.match(e.message, /private network/);
      return true;
    });
    assert.equal(net.server.store.peerCount, 1, "only the member joined");
  } finally {
    await good.bye();
  }
  // An open server is not mistaken for the private one.
  await using open = testServer();
  await assert.rejects(() => IndexClient.connect(open.address, { secret: SECRET }), AuthError);
});

Deno.test("a recorded handshake cannot be replayed", async () => {
  await using net = testServer({ secret: SECRET });
  // Record what a real member sends.
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port: net.port });
  const sent: Message[] = [];
  const recorder = new MessageConnection(tcp);
  await sayHello(
    new Proxy(recorder, {
      get(target, prop) {
        if (prop === "send") return (m: Message) => (sent.push(m), target.send(m));
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }),
    { port: 0 },
    { secret: SECRET, timeoutMs: 5_000 },
  );
  recorder.close();
  assert.deepEqual(sent.map((m) => m.type), ["HELLO", "AUTH"]);
  // Replay both messages on a fresh connection.
  const replay = new MessageConnection(
    await Deno.connect({ hostname: "127.0.0.1", port: net.port }),
  );
  try {
    await replay.send(sent[0]);
    const challenge = await replay.expect(["CHALLENGE"]);
    await replay.send(sent[1]);
    const reply = await replay.receive(5_000);
    assert.equal(reply?.type, "ERROR");
    assert.equal(reply?.type === "ERROR" && reply.code, "AUTH");
    assert.equal(await replay.receive(5_000), null, "disconnected");
    assert.equal(challenge.nonce.length, 64);
  } finally {
    replay.close();
  }
});

Deno.test("a private peer's file server refuses downloaders without the secret", async () => {
  await using net = testServer({ secret: SECRET });
  await using share = await tempDir({ "members.txt": "only for members" });
  await using out = await tempDir();
  const holder = await Peer.start({
    server: net.address,
    shareDir: share.path,
    hostname: "127.0.0.1",
    secret: SECRET,
  });
  const member = await IndexClient.connect(net.address, { secret: SECRET });
  try {
    const [hit] = (await member.search("members")).results;
    await assert.rejects(() => downloadFile(hit, { outDir: out.path }), /private network/);
    await assert.rejects(
      () => downloadFile(hit, { outDir: out.path, secret: "not-it" }),
      /does not know the secret/,
    );
    const ok = await downloadFile(hit, { outDir: out.path, secret: SECRET });
    assert.equal(await Deno.readTextFile(ok.path), "only for members");
  } finally {
    await member.bye();
    await holder.close();
  }
});

Deno.test("CLI: --secret and SWAPMEET_SECRET reach the handshake; a missing secret is a one-line error", async () => {
  await using net = testServer({ secret: SECRET });
  const member = await IndexClient.connect(net.address, { secret: SECRET, port: 5001 });
  try {
    await member.register([{
      name: "club.txt",
      type: "txt",
      size: 1,
      mtime: 0,
      sha256: "9".repeat(64),
      description: "",
      chunkSize: 1048576, // chunkSizeFor(size)
      chunkRoot: "9".repeat(64),
    }]);
    const addr = `127.0.0.1:${net.port}`;
    const withFlag = await runMain(["search", "club", "--server", addr, "--secret", SECRET]);
    assert.equal(withFlag.code, 0, withFlag.stderr);
    const withEnv = await runMain(["search", "club", "--server", addr], {
      env: { SWAPMEET_SECRET: SECRET },
    });
    assert.equal(withEnv.code, 0, withEnv.stderr);
    const without = await runMain(["search", "club", "--server", addr]);
    assert.equal(without.code, 1);
    assert.equal(
      without.stderr.trim(),
      "error: This is a private network: a secret is needed to join",
    );
  } finally {
    await member.bye();
  }
});
