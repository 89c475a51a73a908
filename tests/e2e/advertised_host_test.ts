import assert from "node:assert/strict";
import { IndexClient } from "../../peer/index_client.ts";
import { startFileServer } from "../../peer/file_server.ts";
import { testServer } from "../_helpers.ts";

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

/** The host the index gives out for a peer whose HELLO names `advertise`. */
async function hostGivenOut(
  address: { host: string; port: number },
  port: number,
  advertise: string,
): Promise<string> {
  const sharer = await IndexClient.connect(address, { port, advertise });
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
    const port = files.addr.port;
    assert.equal(await hostGivenOut(net.address, port, "127.0.0.2"), "127.0.0.2");
    assert.equal(await hostGivenOut(net.address, port, "0.0.0.0"), "127.0.0.1");
    assert.equal(await hostGivenOut(net.address, port, "224.0.0.251"), "127.0.0.1");
    assert.equal(await hostGivenOut(net.address, port, "127.0.0.3"), "127.0.0.1", "nothing there");
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
    /"127\.0\.0\.3" .* did not answer there \(Cannot reach 127\.0\.0\.3:\d+: connection refused\)/,
  );
});
