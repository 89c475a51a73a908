/**
 * Issue 11 item 7: a relay without the secret that forwards a member's
 * handshake gains nothing, in front of the index server or of a holder; a
 * downloader accepts only the certificate the index published for a holder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { downloadFile } from "../../peer/downloader.ts";
import { IndexClient } from "../../peer/index_client.ts";
import { dialIndex } from "../../peer/index_connector.ts";
import { Peer } from "../../peer/peer.ts";
import { dialTls } from "../../net/dial.ts";
import { serveTcp } from "../../net/tcp_service.ts";
import { createIdentity, type TlsIdentity } from "../../net/tls_identity.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { AuthError } from "../../shared/errors.ts";
import { clientProof } from "../../shared/handshake.ts";
import { type Message, PROTOCOL_VERSION, type SearchResult } from "../../shared/protocol.ts";
import { tempDir, testServer, waitFor } from "../_helpers.ts";

const SECRET = "members-only-2026";
const SERVER_ID = await createIdentity();
const RELAY_ID = await createIdentity();
const NOTES = "private notes: exam answers";

/** What the relay managed: messages forwarded, and the replies to its own requests. */
interface RelayLog {
  forwarded: string[];
  replies: (Message | null)[];
}

/**
 * A relay without the secret: answers victims with TLS under its own
 * certificate, opens its own connection to the target, forwards HELLO,
 * CHALLENGE and (when the victim sends one) AUTH, then sends `attack` on its
 * connection to the target and keeps the replies.
 */
function startRelay(target: () => Promise<MessageConnection>, attack: Message[]) {
  // Resolved by the first connection that got a message past TLS (a client
  // that learns the certificate first makes one that carries nothing).
  const { promise: done, resolve } = Promise.withResolvers<RelayLog>();
  const ended: RelayLog[] = [];
  const service = serveTcp({
    hostname: "127.0.0.1",
    port: 0,
    maxConnections: 4,
    maxConnectionsPerAddress: 4,
    fullMessage: "full",
    tls: RELAY_ID,
  }, async (victim) => {
    const log: RelayLog = { forwarded: [], replies: [] };
    const upstream = await target();
    try {
      const pass = async (from: MessageConnection, to: MessageConnection) => {
        const msg = await from.receive(5_000).catch(() => null);
        if (msg === null) return false;
        log.forwarded.push(msg.type);
        await to.send(msg).catch(() => {});
        return true;
      };
      if (await pass(victim, upstream) && await pass(upstream, victim)) {
        if (await pass(victim, upstream)) await pass(upstream, victim);
      }
      victim.close();
      for (const msg of attack) {
        await upstream.send(msg).catch(() => {});
        log.replies.push(await upstream.receive(5_000).catch(() => null));
      }
    } finally {
      upstream.close();
      ended.push(log);
      if (log.forwarded.length > 0) resolve(log);
    }
  });
  return {
    address: { host: "127.0.0.1", port: service.addr.port },
    done,
    ended,
    async [Symbol.asyncDispose]() {
      await service.stopAccepting();
      service.closeAll();
      await service.drained();
    },
  };
}

/** A member whose client would answer any CHALLENGE: it proves the secret for what it sees. */
async function carelessMember(address: { host: string; port: number }, me: TlsIdentity) {
  const { stream, serverFingerprint } = await dialIndex({ secret: SECRET })(address, 5_000);
  const conn = new MessageConnection(stream);
  try {
    const helloNonce = "a".repeat(64);
    await conn.send({
      type: "HELLO",
      version: PROTOCOL_VERSION,
      port: 0,
      nonce: helloNonce,
      cert: me.der.toBase64(),
    });
    const challenge = await conn.expect(["CHALLENGE"], 5_000);
    const proof = clientProof(SECRET, {
      helloNonce,
      challengeNonce: challenge.nonce,
      serverFingerprint: serverFingerprint!,
      clientFingerprint: me.fingerprint,
    });
    await conn.send({ type: "AUTH", proof });
    await conn.receive(5_000).catch(() => null);
  } finally {
    conn.close();
  }
}

const ATTACK_INDEX: Message[] = [
  { type: "SEARCH", query: "private" },
  {
    type: "REGISTER",
    files: [{
      name: "totally_legit.exe",
      type: "exe",
      size: 1,
      mtime: 0,
      sha256: "e".repeat(64),
      description: "",
      chunkSize: 1048576,
      chunkRoot: "c".repeat(64),
    }],
  },
];

function assertGotNowhere(log: RelayLog) {
  for (const reply of log.replies) {
    assert.ok(
      reply === null || reply.type === "ERROR",
      `the relay got an answer: ${JSON.stringify(reply)}`,
    );
  }
}

Deno.test("a relay in front of the index server gains nothing from a member's handshake", async () => {
  await using net = testServer({ secret: SECRET, identity: SERVER_ID });
  const owner = await IndexClient.connect(net.address, { secret: SECRET, port: 5000 });
  const me = await createIdentity();
  try {
    await owner.register([{
      name: "private_notes.txt",
      type: "txt",
      size: 10,
      mtime: 0,
      sha256: "d".repeat(64),
      description: "",
      chunkSize: 1048576,
      chunkRoot: "c".repeat(64),
    }]);
    const toServer = async () => {
      const { stream } = await dialIndex({ secret: "relay-has-none" })(net.address, 5_000);
      return new MessageConnection(stream);
    };
    // An honest member's client sees the relay's certificate in the proof and hangs up.
    {
      await using relay = startRelay(toServer, ATTACK_INDEX);
      await assert.rejects(
        () => IndexClient.connect(relay.address, { secret: SECRET, identity: me }),
        (e: Error) => e instanceof AuthError && /could not prove it knows this one/.test(e.message),
      );
      const log = await relay.done;
      assert.deepEqual(log.forwarded, ["HELLO", "CHALLENGE"], "no AUTH came from the member");
      assertGotNowhere(log);
    }
    // Even an AUTH the member made for the relay's session is no use on the server's.
    {
      await using relay = startRelay(toServer, ATTACK_INDEX);
      await carelessMember(relay.address, me);
      const log = await relay.done;
      assert.deepEqual(log.forwarded, ["HELLO", "CHALLENGE", "AUTH", "ERROR"]);
      assertGotNowhere(log);
    }
    assert.deepEqual((await owner.search("totally_legit")).results, []);
    assert.equal(net.server.store.peerCount, 1, "only the owner is on the index");
  } finally {
    await owner.bye();
  }
});

/** A private network with one holder sharing NOTES, and a member's search hit for it. */
async function holderNetwork() {
  const net = testServer({ secret: SECRET, identity: SERVER_ID });
  const share = await tempDir({ "private_notes.txt": NOTES });
  const holder = await Peer.start({
    server: net.address,
    shareDir: share.path,
    hostname: "127.0.0.1",
    secret: SECRET,
  });
  const member = await IndexClient.connect(net.address, { secret: SECRET });
  const [hit] = (await member.search("private_notes")).results;
  await member.bye();
  return {
    hit,
    async [Symbol.asyncDispose]() {
      await holder.close();
      await share[Symbol.asyncDispose]();
      await net[Symbol.asyncDispose]();
    },
  };
}

function viaRelay(hit: SearchResult, relay: { host: string; port: number }, cert?: string) {
  const [h] = hit.peers;
  return { ...hit, peers: [{ ...h, ...relay, cert: cert ?? h.cert }] };
}

Deno.test("a downloader refuses a holder whose TLS certificate is not the one the index published", async () => {
  await using network = await holderNetwork();
  await using out = await tempDir();
  const { hit } = network;
  assert.ok(hit.peers[0].cert, "the index published the holder's certificate");
  const toHolder = async () => {
    const h = hit.peers[0];
    return new MessageConnection(
      await dialTls(h.host, h.port, Uint8Array.fromBase64(h.cert!), 5_000),
    );
  };
  await using relay = startRelay(toHolder, []);
  await assert.rejects(
    () => downloadFile(viaRelay(hit, relay.address), { outDir: out.path, secret: SECRET }),
    /presented a TLS certificate other than the one the index published/,
  );
  await waitFor(() => relay.ended.length === 1, "the relay's connection to end", 5_000);
  assert.deepEqual(relay.ended[0].forwarded, [], "the downloader said nothing to the relay");
  await assert.rejects(() => Deno.stat(join(out.path, "private_notes.txt")), Deno.errors.NotFound);
  // The holder's own certificate, published by the index, is accepted.
  const ok = await downloadFile(hit, { outDir: out.path, secret: SECRET });
  assert.equal(await Deno.readTextFile(ok.path), NOTES);
});

Deno.test("a relay in front of a holder gains nothing, even when the downloader trusts its certificate", async () => {
  await using network = await holderNetwork();
  await using out = await tempDir();
  const { hit } = network;
  const h = hit.peers[0];
  const toHolder = async () =>
    new MessageConnection(await dialTls(h.host, h.port, Uint8Array.fromBase64(h.cert!), 5_000));
  const attack: Message[] = [
    { type: "CHUNKS", sha256: hit.sha256 },
    { type: "DOWNLOAD", sha256: hit.sha256 },
  ];
  // Suppose the downloader were told to pin the relay's certificate: TLS works, the proof does not.
  {
    await using relay = startRelay(toHolder, attack);
    const fooled = viaRelay(hit, relay.address, RELAY_ID.der.toBase64());
    await assert.rejects(
      () => downloadFile(fooled, { outDir: out.path, secret: SECRET }),
      /could not prove it knows this one/,
    );
    const log = await relay.done;
    assert.deepEqual(log.forwarded, ["HELLO", "CHALLENGE"]);
    assertGotNowhere(log);
  }
  {
    await using relay = startRelay(toHolder, attack);
    await carelessMember(relay.address, await createIdentity());
    const log = await relay.done;
    assert.deepEqual(log.forwarded, ["HELLO", "CHALLENGE", "AUTH", "ERROR"]);
    assertGotNowhere(log);
  }
});
