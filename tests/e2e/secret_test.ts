import assert from "node:assert/strict";
import { downloadFile } from "../../peer/downloader.ts";
import { IndexClient } from "../../peer/index_client.ts";
import { dialIndex } from "../../peer/index_connector.ts";
import { Peer } from "../../peer/peer.ts";
import { createIdentity } from "../../net/tls_identity.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { clientProof, networkKey, sayHello, serverProof } from "../../shared/handshake.ts";
import { AuthError } from "../../shared/errors.ts";
import type { Message } from "../../shared/protocol.ts";
import { runMain, tempDir, testServer } from "../_helpers.ts";

const SECRET = "class-of-2026";
const SERVER_ID = await createIdentity();

Deno.test("handshake proofs are HMAC-SHA-256, keyed by scrypt of the secret, over both nonces and both fingerprints (byte vector)", () => {
  const input = {
    helloNonce: "1".repeat(64),
    challengeNonce: "2".repeat(64),
    serverFingerprint: "3".repeat(64),
    clientFingerprint: "4".repeat(64),
  };
  // Computed independently (Python's hashlib):
  // key = scrypt(b"k", salt=b"swapmeet-v2 network key", n=65536, r=8, p=1, dklen=32)
  // hmac.new(key, b"swapmeet-server-v2\n" + Nc + b"\n" + Ns + b"\n" + Fs + b"\n" + Fc, "sha256")
  assert.equal(
    networkKey("k").toHex(),
    "8c8cafdb6fb437d571b9a5ccfab14c3c890cbeac7407e0cd6a456a3fb55d3b99",
  );
  assert.equal(
    serverProof("k", input),
    "a340a5922870995fdd0d337bf94efe4b4768f3228b483ee310e39a30f3fab672",
  );
  assert.equal(
    clientProof("k", input),
    "47f40416c1471b3d1417eeca15d0d24e8266e02d9182f1de2635f2f29a76c7d0",
  );
  assert.notEqual(serverProof("k", input), serverProof("k2", input));
  for (const key of Object.keys(input) as (keyof typeof input)[]) {
    const other = { ...input, [key]: "5".repeat(64) };
    assert.notEqual(serverProof("k", other), serverProof("k", input), key);
    assert.notEqual(clientProof("k", other), clientProof("k", input), key);
  }
});

Deno.test("private network: the right secret joins, a wrong or missing one is refused", async () => {
  await using net = testServer({ secret: SECRET, identity: SERVER_ID });
  const good = await IndexClient.connect(net.address, { secret: SECRET, port: 5000 });
  try {
    assert.equal(good.peerId, 1);
    await assert.rejects(
      () => IndexClient.connect(net.address, { secret: "wrong-secret" }),
      (e: Error) => {
        assert.ok(e instanceof AuthError);
        assert.match(e.message, /could not prove it knows this one/);
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
  await assert.rejects(
    () => IndexClient.connect(open.address, { secret: SECRET }),
    (e: Error) => {
      assert.ok(e instanceof AuthError);
      assert.match(e.message, /not on a private network/);
      return true;
    },
  );
});

Deno.test("a recorded handshake cannot be replayed", async () => {
  await using net = testServer({ secret: SECRET, identity: SERVER_ID });
  const me = await createIdentity();
  const connect = dialIndex({ secret: SECRET });
  // Record what a real member sends (inside TLS: as if the recorder had the plaintext).
  const channel = await connect(net.address, 5_000);
  const sent: Message[] = [];
  const recorder = new MessageConnection(channel.stream);
  await sayHello(
    new Proxy(recorder, {
      get(target, prop) {
        if (prop === "send") return (m: Message) => (sent.push(m), target.send(m));
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }),
    { port: 0 },
    {
      secret: SECRET,
      timeoutMs: 5_000,
      binding: { cert: me.der, serverFingerprint: channel.serverFingerprint! },
    },
  );
  recorder.close();
  assert.deepEqual(sent.map((m) => m.type), ["HELLO", "AUTH"]);
  // Replay both messages on a fresh connection.
  const replay = new MessageConnection((await connect(net.address, 5_000)).stream);
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
  await using net = testServer({ secret: SECRET, identity: SERVER_ID });
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
      /could not prove it knows this one/,
    );
    const ok = await downloadFile(hit, { outDir: out.path, secret: SECRET });
    assert.equal(await Deno.readTextFile(ok.path), "only for members");
  } finally {
    await member.bye();
    await holder.close();
  }
});

Deno.test("CLI: --secret and SWAPMEET_SECRET reach the handshake; a missing secret is a one-line error", async () => {
  await using net = testServer({ secret: SECRET, identity: SERVER_ID });
  await using home = await tempDir();
  const env = { SWAPMEET_HOME: home.path };
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
    const withFlag = await runMain(["search", "club", "--server", addr, "--secret", SECRET], {
      env,
    });
    assert.equal(withFlag.code, 0, withFlag.stderr);
    const withEnv = await runMain(["search", "club", "--server", addr], {
      env: { ...env, SWAPMEET_SECRET: SECRET },
    });
    assert.equal(withEnv.code, 0, withEnv.stderr);
    const without = await runMain(["search", "club", "--server", addr], { env });
    assert.equal(without.code, 1);
    assert.equal(
      without.stderr.trim(),
      "error: This is a private network: a secret is needed to join",
    );
  } finally {
    await member.bye();
  }
});
