import assert from "node:assert/strict";
import { createIdentity } from "../../net/tls_identity.ts";
import { startFileServer } from "../../peer/file_server.ts";
import { HostKeys } from "../../peer/host_key.ts";
import { hostProof } from "../../shared/handshake.ts";
import { helloCheck, unusableHost } from "../../server/host_check.ts";

Deno.test("unusable hosts: unspecified, multicast, broadcast, and loopback unless the peer is local", () => {
  const remote = "10.0.0.9";
  for (const host of ["0.0.0.0", "0.1.2.3", "::", "0:0:0:0:0:0:0:0"]) {
    assert.match(unusableHost(host, remote) ?? "", /unspecified/, host);
  }
  for (const host of ["224.0.0.1", "239.255.255.250", "ff02::1"]) {
    assert.match(unusableHost(host, remote) ?? "", /multicast/, host);
  }
  for (const host of ["255.255.255.255", "240.0.0.1"]) {
    assert.match(unusableHost(host, remote) ?? "", /broadcast/, host);
  }
  const loopbacks = [
    "127.0.0.1",
    "127.9.9.9",
    "127.1",
    "0x7f000001",
    "2130706433",
    "::1",
    "0:0::1",
  ];
  for (const host of [...loopbacks, "::ffff:127.0.0.1", "localhost", "x.localhost", "LOCALHOST"]) {
    assert.match(unusableHost(host, remote) ?? "", /loopback/, host);
    assert.equal(unusableHost(host, "127.0.0.1"), null, `${host} from the same machine`);
    assert.equal(unusableHost(host, "::1"), null, `${host} from the same machine over IPv6`);
  }
  for (const host of ["192.168.1.20", "10.0.0.5", "fe80::1", "2001:db8::7", "peer.example"]) {
    assert.equal(unusableHost(host, remote), null, host);
  }
});

Deno.test("the default check: on an open network the file server there proves it holds the peer's host key; on a private one TLS completes with the peer's own certificate", async () => {
  const identity = await createIdentity();
  const stranger = await createIdentity();
  const keys = new HostKeys();
  const open = startFileServer(() => undefined, { hostname: "127.0.0.1", port: 0, hostKeys: keys });
  const club = startFileServer(() => undefined, {
    hostname: "127.0.0.1",
    port: 0,
    secret: "k-secret",
    identity,
  });
  try {
    const port = open.addr.port;
    const key = keys.issue();
    assert.equal(await helloCheck()("127.0.0.1", port, undefined, key), "127.0.0.1");
    await assert.rejects(
      () => helloCheck()("127.0.0.1", port, undefined, "0".repeat(64)),
      /did not prove it holds the peer's hostKey/,
      "another peer's key: that file server is not the peer's",
    );
    await assert.rejects(() => helloCheck()("127.0.0.1", port), /no hostKey/);
    keys.withdraw(key);
    await assert.rejects(
      () => helloCheck()("127.0.0.1", port, undefined, key),
      /did not prove/,
      "a key is answered for only while its HELLO waits",
    );
    assert.equal(
      await helloCheck()("127.0.0.1", club.addr.port, identity.der),
      "127.0.0.1",
      "private network: the peer's certificate answers there",
    );
    await assert.rejects(
      () => helloCheck()("127.0.0.1", club.addr.port, stranger.der),
      /certificate/,
      "another certificate at that address is not the same peer",
    );
  } finally {
    await open.close();
    await club.close();
  }
  const key = "1".repeat(64);
  const gone = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = gone.addr.port;
  gone.close();
  await assert.rejects(() => helloCheck()("127.0.0.1", port, undefined, key), /connection refused/);
  // Something that listens but never answers: the check gives up at its deadline.
  const mute = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of mute) held.push(conn);
  })();
  try {
    await assert.rejects(
      () => helloCheck(200)("127.0.0.1", mute.addr.port, undefined, key),
      /within/,
    );
  } finally {
    mute.close();
    await accepting;
    for (const c of held) c.close();
  }
});

Deno.test("hostProof: HMAC-SHA-256 of the nonce under the key, as docs/protocol.md works it", () => {
  assert.equal(
    hostProof("1".repeat(64), "2".repeat(64)),
    "4e1635db7cedd8957e855a1096d5d7a241d2c4f1c447b25507a06cf83b2f35aa",
  );
});
