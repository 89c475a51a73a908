/**
 * IndexClient over in-memory pipes: a connect function hands it one end, a
 * real server Session runs on the other. No sockets.
 */
import assert from "node:assert/strict";
import { HostKeys } from "../../peer/host_key.ts";
import { IndexClient } from "../../peer/index_client.ts";
import type { IndexConnector } from "../../peer/index_connector.ts";
import { IndexStore } from "../../server/index_store.ts";
import { ReplyBudget } from "../../server/reply_budget.ts";
import { DEFAULT_LIMITS } from "../../server/requests.ts";
import { type LeaveReason, Session, type SessionContext } from "../../server/session.ts";
import { encodeMessageFrame } from "../../shared/codec.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { AuthError, ConnectionClosedError, TimeoutError } from "../../shared/errors.ts";
import { certFingerprint, hostProof } from "../../shared/handshake.ts";
import type { FileRecord } from "../../shared/protocol.ts";
import { waitFor } from "../_helpers.ts";
import { pipePair } from "../_pipes.ts";

const SECRET = "pipes-are-private";
/** Stand-ins for certificates: over pipes only their fingerprints matter. */
const SERVER_CERT = new TextEncoder().encode("the server's certificate");
const MY_CERT = new TextEncoder().encode("this peer's certificate");
const ME = { cert: "", key: "", der: MY_CERT, fingerprint: certFingerprint(MY_CERT) };

function record(name: string, sha: string, description = ""): FileRecord {
  return {
    name,
    type: "txt",
    size: 3,
    mtime: 0,
    sha256: sha.repeat(64),
    description,
    chunkSize: 1048576,
    chunkRoot: "c".repeat(64),
  };
}

/** An index server on pipes: each connect runs a Session on the far end. */
function pipeIndex(options: { secret?: string; presented?: Uint8Array } = {}) {
  const ctx: SessionContext = {
    store: new IndexStore(),
    limits: DEFAULT_LIMITS,
    heartbeatSeconds: 10,
    secret: options.secret,
    fingerprint: options.secret ? certFingerprint(SERVER_CERT) : undefined,
    log: () => {},
    checkHost: (host) => Promise.resolve(host),
    replies: new ReplyBudget({ total: 64 << 20, perAddress: 8 << 20 }),
  };
  const sessions: Session[] = [];
  const ended: Promise<LeaveReason>[] = [];
  // What the client is told the server presented: a relay would present its own.
  const presented = certFingerprint(options.presented ?? SERVER_CERT);
  const connect: IndexConnector = () => {
    const [client, server] = pipePair();
    const session = new Session(new MessageConnection(server), "10.0.0.9", ctx);
    sessions.push(session);
    ended.push(session.run());
    return Promise.resolve({ stream: client, serverFingerprint: presented });
  };
  return { ctx, connect, sessions, ended };
}

const SERVER = { host: "index.test", port: 1234 };

Deno.test("IndexClient over pipes: HELLO fields, register, search, locate, list, unregister, bye", async () => {
  const index = pipeIndex();
  const client = await IndexClient.connect(SERVER, {
    connect: index.connect,
    port: 4000,
    name: "ann",
    advertise: "10.0.0.5",
  });
  assert.equal(client.peerId, 1);
  const peer = index.ctx.store.getPeer(1)!;
  assert.deepEqual([peer.host, peer.port, peer.name, peer.cert], [
    "10.0.0.5",
    4000,
    "ann",
    undefined,
  ]);
  assert.deepEqual(
    await client.register([record("a.txt", "a", "alpha"), record("b.txt", "b")]),
    { count: 2, total: 2 },
  );
  const found = await client.search("alpha");
  assert.deepEqual(found.results.map((r) => [r.name, r.peers[0].host]), [["a.txt", "10.0.0.5"]]);
  assert.deepEqual(await client.search("nothing-here"), { results: [], truncated: false });
  assert.equal((await client.locate("b".repeat(64)))?.name, "b.txt");
  assert.equal(await client.locate("c".repeat(64)), null);
  assert.deepEqual((await client.list(1)).truncated, true);
  assert.deepEqual(await client.unregister(["a.txt"]), { count: 1, total: 1 });
  await client.bye();
  assert.equal(await client.closed, "bye");
  assert.deepEqual(await Promise.all(index.ended), ["bye"]);
  assert.equal(index.ctx.store.peerCount, 0);
});

Deno.test("IndexClient over pipes: a private network binds the fingerprints; the index keeps the cert", async () => {
  const index = pipeIndex({ secret: SECRET });
  const client = await IndexClient.connect(SERVER, {
    connect: index.connect,
    secret: SECRET,
    identity: ME,
    port: 4000,
  });
  assert.equal(index.ctx.store.getPeer(client.peerId)?.cert, MY_CERT.toBase64());
  await client.register([record("club.txt", "c")]);
  const [hit] = (await client.search("club")).results;
  assert.equal(hit.peers[0].cert, MY_CERT.toBase64(), "search results carry the holder's cert");
  await client.bye();

  // Told another certificate than the server presents (a relay in between): no AUTH is sent.
  const relayed = pipeIndex({ secret: SECRET, presented: new TextEncoder().encode("a relay's") });
  await assert.rejects(
    () => IndexClient.connect(SERVER, { connect: relayed.connect, secret: SECRET, identity: ME }),
    (e: Error) => e instanceof AuthError && /could not prove it knows this one/.test(e.message),
  );
  assert.deepEqual(await Promise.all(relayed.ended), ["error"]);
  assert.equal(relayed.ctx.store.peerCount, 0);
  await assert.rejects(
    () =>
      IndexClient.connect(SERVER, {
        connect: index.connect,
        secret: "not-the-secret",
        identity: ME,
      }),
    (e: Error) => e instanceof AuthError && /could not prove it knows this one/.test(e.message),
  );
  await assert.rejects(
    () => IndexClient.connect(SERVER, { connect: index.connect }),
    (e: Error) => e instanceof AuthError && /a secret is needed/.test(e.message),
  );
  await Promise.all(index.ended);
});

Deno.test("IndexClient over pipes: answers heartbeats and notices SHUTDOWN", async () => {
  const index = pipeIndex();
  const client = await IndexClient.connect(SERVER, { connect: index.connect, port: 4000 });
  index.sessions[0].beat(encodeMessageFrame({ type: "PING", seq: 7 }), 7);
  await waitFor(() => index.ctx.store.getPeer(1)?.rttMs !== undefined, "the PONG");
  assert.equal(client.pingsAnswered, 1);
  await index.sessions[0].shutdown("maintenance");
  assert.equal(await client.closed, "shutdown");
  assert.equal(client.shutdownMessage, "maintenance");
  await assert.rejects(() => client.search("x"), ConnectionClosedError);
  assert.deepEqual(await Promise.all(index.ended), ["shutdown"]);
});

Deno.test("IndexClient over pipes: a server that stops answering times out; a failed connect is one line", async () => {
  // A server that says HI and then never answers.
  const [near, far] = pipePair();
  const server = new MessageConnection(far);
  const silent: IndexConnector = () => Promise.resolve({ stream: near });
  const serving = (async () => {
    await server.expect(["HELLO"]);
    await server.send({ type: "HI", status: "ok", peerId: 3 });
    while (await server.receive().catch(() => null) !== null) { /* never answers */ }
  })();
  const client = await IndexClient.connect(SERVER, { connect: silent, timeoutMs: 200 });
  await assert.rejects(
    () => client.search("anything"),
    (e: Error) =>
      e instanceof TimeoutError && /did not answer SEARCH within 200 ms/.test(e.message),
  );
  assert.equal(await client.closed, "closed");
  await serving;

  const refused: IndexConnector = () =>
    Promise.reject(new ConnectionClosedError("Cannot reach index.test:1234: connection refused"));
  await assert.rejects(
    () => IndexClient.connect(SERVER, { connect: refused }),
    /^ConnectionClosedError: Index server unreachable\. Cannot reach index\.test:1234: connection refused$/,
  );
});

Deno.test("a sharing peer's HELLO carries a fresh host key, with or without advertise, answered for by its file server only until HI", async () => {
  const index = pipeIndex();
  const keys = new HostKeys();
  const nonce = "2".repeat(64);
  const checks: { host: string; key?: string; proof?: string }[] = [];
  index.ctx.checkHost = (host, _port, _cert, key) => {
    checks.push({ host, key, proof: keys.proof(nonce) }); // what the file server answers meanwhile
    return Promise.resolve(host);
  };
  const options = { connect: index.connect, port: 4000, advertise: "10.0.0.5", hostKeys: keys };
  const a = await IndexClient.connect(SERVER, options);
  assert.equal(keys.proof(nonce), undefined, "withdrawn once HI came");
  const b = await IndexClient.connect(SERVER, options);
  const noHost = await IndexClient.connect(SERVER, { ...options, advertise: undefined });
  const searchOnly = await IndexClient.connect(SERVER, { ...options, port: 0 });
  assert.equal(checks.length, 3, "every sharing peer is checked, a search-only client is not");
  assert.deepEqual(checks.map((c) => c.host).slice(0, 2), ["10.0.0.5", "10.0.0.5"]);
  assert.notEqual(checks[2].host, "10.0.0.5", "without advertise: where the index sees it");
  for (const { key, proof } of checks) {
    assert.match(key ?? "", /^[0-9a-f]{64}$/);
    assert.equal(proof, hostProof(key!, nonce));
  }
  assert.equal(new Set(checks.map((c) => c.key)).size, 3, "a fresh key for every HELLO");
  await Promise.all([a.bye(), b.bye(), noHost.bye(), searchOnly.bye()]);
  await Promise.all(index.ended);
});
