import assert from "node:assert/strict";
import { dialIndex } from "../../peer/index_connector.ts";
import { serveTcp, type TcpService } from "../../net/tcp_service.ts";
import { createIdentity, type TlsIdentity } from "../../net/tls_identity.ts";
import { MessageConnection } from "../../shared/connection.ts";

/** A TLS listener that counts connections and closes each after a frame. */
function countingServer(identity: TlsIdentity, port = 0) {
  let accepted = 0;
  const service: TcpService = serveTcp({
    hostname: "127.0.0.1",
    port,
    maxConnections: 8,
    maxConnectionsPerAddress: 8,
    fullMessage: "full",
    tls: identity,
  }, async (conn) => {
    accepted++;
    await conn.receive(2_000).catch(() => null);
    conn.close();
  });
  return {
    port: service.addr.port,
    get accepted() {
      return accepted;
    },
    async stop() {
      await service.stopAccepting();
      service.closeAll();
      await service.drained();
    },
  };
}

async function use(connect: ReturnType<typeof dialIndex>, port: number): Promise<string> {
  const { stream, serverFingerprint } = await connect({ host: "127.0.0.1", port }, 5_000);
  const conn = new MessageConnection(stream);
  await conn.send({ type: "BYE" });
  conn.close();
  return serverFingerprint!;
}

Deno.test("dialIndex learns the index's certificate at first contact only, and again when it changed", async () => {
  const [x, y] = [await createIdentity(), await createIdentity()];
  const connect = dialIndex({ secret: "s3cret" });
  const first = countingServer(x);
  const port = first.port;
  try {
    // A TLS handshake is done only once the server took the connection: counts are exact.
    assert.equal(await use(connect, port), x.fingerprint);
    assert.equal(first.accepted, 2, "a learning connection and a pinned one");
    assert.equal(await use(connect, port), x.fingerprint);
    assert.equal(first.accepted, 3, "the second connect learnt nothing");
  } finally {
    await first.stop();
  }
  // The server came back with a new identity: the pinned attempt fails, and it is learnt again.
  const second = countingServer(y, port);
  try {
    assert.equal(await use(connect, port), y.fingerprint);
    assert.equal(second.accepted, 3, "a refused pinned connection, a learning one, a pinned one");
  } finally {
    await second.stop();
  }
});
