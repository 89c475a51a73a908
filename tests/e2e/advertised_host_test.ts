import assert from "node:assert/strict";
import { IndexClient } from "../../peer/index_client.ts";
import { Peer } from "../../peer/peer.ts";
import { type FileServer, startFileServer } from "../../peer/file_server.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { tempDir, testServer } from "../_helpers.ts";

const hex = (i: number) => i.toString(16).padStart(64, "0");

const RECORD = {
  name: "shared.txt",
  type: "txt",
  size: 1,
  mtime: 0,
  sha256: "5".repeat(64),
  description: "",
  chunkSize: 1048576, // chunkSizeFor(size)
  chunkRoot: "5".repeat(64),
};

/** The host the index gives out for a peer (with file server `files`) whose HELLO names `advertise`. */
async function hostGivenOut(
  address: { host: string; port: number },
  files: FileServer,
  advertise: string,
): Promise<string> {
  const port = files.addr.port;
  const sharer = await IndexClient.connect(address, { port, advertise, hostKeys: files.hostKeys });
  try {
    await sharer.register([RECORD]);
    return (await sharer.search("shared")).results[0].peers[0].host;
  } finally {
    await sharer.bye();
  }
}

Deno.test("downloaders get the address a peer connects from, unless its file server answers at the host it names", async () => {
  await using net = testServer();
  // A file server on another loopback address: the peer connects to the index from 127.0.0.1.
  const files = startFileServer(() => undefined, { hostname: "127.0.0.2", port: 0 });
  try {
    assert.equal(await hostGivenOut(net.address, files, "127.0.0.2"), "127.0.0.2");
    assert.equal(await hostGivenOut(net.address, files, "0.0.0.0"), "127.0.0.1");
    assert.equal(await hostGivenOut(net.address, files, "224.0.0.251"), "127.0.0.1");
    assert.equal(await hostGivenOut(net.address, files, "127.0.0.3"), "127.0.0.1", "nothing there");
  } finally {
    await files.close();
  }
  const why = net.lines.filter((l) => l.startsWith("!")).join("\n");
  assert.match(
    why,
    /named host "0\.0\.0\.0" in HELLO, but it is an unspecified address; 127\.0\.0\.1 is used/,
  );
  assert.match(why, /"224\.0\.0\.251" .* multicast/);
  assert.match(
    why,
    /"127\.0\.0\.3" .* was not found there \(Cannot reach 127\.0\.0\.3:\d+: connection refused\)/,
  );
});

/** The holders' hosts of the files matching `query`, as a client of the index sees them. */
async function hostsOf(address: { host: string; port: number }, query: string): Promise<string[]> {
  const client = await IndexClient.connect(address);
  try {
    return (await client.search(query)).results.flatMap((r) => r.peers.map((p) => p.host));
  } finally {
    await client.bye();
  }
}

Deno.test("frame.ts: a peer that names another peer's host and port in HELLO is given out at its own address", async () => {
  await using net = testServer();
  // Bob shares from 127.0.0.3 and proves it: his file server holds the key his HELLO sent.
  const bobFiles = startFileServer(() => undefined, { hostname: "127.0.0.3", port: 0 });
  const bob = await IndexClient.connect(net.address, {
    port: bobFiles.addr.port,
    advertise: "127.0.0.3",
    name: "bob",
    hostKeys: bobFiles.hostKeys,
  });
  const attacks: (Record<string, string>)[] = [
    { hostKey: "ab".repeat(32) }, // a key of its own: bob's file server cannot prove it
    {}, // no key at all
  ];
  try {
    await bob.register([{ ...RECORD, name: "bob_notes.txt" }]);
    assert.deepEqual(await hostsOf(net.address, "bob_notes"), ["127.0.0.3"]);
    for (const [i, extra] of attacks.entries()) {
      // The attacker connects (from 127.0.0.1) naming bob's host, port and name.
      const conn = new MessageConnection(
        await Deno.connect({ hostname: "127.0.0.1", port: net.port }),
      );
      try {
        await conn.send({
          type: "HELLO",
          version: PROTOCOL_VERSION,
          port: bobFiles.addr.port,
          host: "127.0.0.3",
          name: "bob",
          ...extra,
        });
        await conn.expect(["HI"], 10_000);
        const leak = { ...RECORD, sha256: hex(i), name: `leaked/final_exam_answers${i}.pdf` };
        await conn.send({ type: "REGISTER", files: [leak] });
        await conn.expect(["REGISTERED"], 10_000);
        assert.deepEqual(
          await hostsOf(net.address, `final_exam_answers${i}`),
          ["127.0.0.1"],
          `attack ${i}: the attacker's files are at the attacker's address, not bob's`,
        );
      } finally {
        conn.close();
      }
    }
  } finally {
    await bob.bye();
    await bobFiles.close();
  }
  const why = net.lines.filter((l) => l.startsWith("!")).join("\n");
  assert.match(why, /"127\.0\.0\.3" .* did not prove it holds the peer's hostKey/);
  assert.match(why, /"127\.0\.0\.3" .* carries no hostKey/);
});

Deno.test("a sharing peer that advertises a host its file server listens at is given out there", async () => {
  await using net = testServer();
  await using share = await tempDir({ "lecture_notes.txt": "notes" });
  await using out = await tempDir();
  const peer = await Peer.start({
    server: net.address,
    shareDir: share.path,
    outDir: out.path,
    hostname: "127.0.0.2",
    advertise: "127.0.0.2",
    watch: false,
  });
  try {
    assert.deepEqual(await hostsOf(net.address, "lecture_notes"), ["127.0.0.2"]);
  } finally {
    await peer.close();
  }
});
