import assert from "node:assert/strict";
import fc from "fast-check";
import { startFileServer } from "../../peer/file_server.ts";
import { IndexClient } from "../../peer/index_client.ts";
import { encodeMessage } from "../../shared/codec.ts";
import { encodeFrame } from "../../shared/framing.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { type Message, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { sayHello } from "../../shared/handshake.ts";
import { tempDir, testServer, waitFor } from "../_helpers.ts";
import type { SharedFile } from "../../peer/share_folder.ts";

const enc = new TextEncoder();
const HELLO = encodeFrame(encodeMessage({ type: "HELLO", version: PROTOCOL_VERSION, port: 4444 }));
const TYPES = [
  "HELLO",
  "HI",
  "AUTH",
  "REGISTER",
  "UNREGISTER",
  "SEARCH",
  "LOCATE",
  "LIST",
  "BYE",
  "DOWNLOAD",
  "PONG",
  "PING",
  "FILE",
  "ERROR",
  "X",
];

/** Frames whose JSON has a known type and random fields of random kinds. */
const messageish = fc.record({
  type: fc.constantFrom(...TYPES),
  version: fc.oneof(fc.constant(1), fc.integer()),
  port: fc.oneof(fc.nat(70000), fc.string()),
  query: fc.oneof(fc.string({ maxLength: 600 }), fc.integer()),
  limit: fc.oneof(fc.nat(5000), fc.double()),
  sha256: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string()),
  offset: fc.oneof(fc.nat(), fc.integer()),
  length: fc.nat(),
  names: fc.array(fc.string(), { maxLength: 5 }),
  files: fc.array(
    fc.record({
      name: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom("../x", "/abs", "a\\b", "ok.txt"),
      ),
      type: fc.string({ maxLength: 5 }),
      size: fc.oneof(fc.nat(), fc.integer()),
      mtime: fc.nat(),
      sha256: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string()),
      description: fc.string({ maxLength: 60 }),
    }, { requiredKeys: [] }),
    { maxLength: 4 },
  ),
}, { requiredKeys: ["type"] }).map((m) => encodeFrame(enc.encode(JSON.stringify(m))));

/** Bytes to throw at a server: garbage, mutated valid streams, or HELLO then random messages. */
const hostileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.tuple(
    fc.array(messageish, { maxLength: 4 }),
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }),
    fc.nat(),
  )
    .map(([frames, flips, cut]) => {
      const bytes = new Uint8Array([...HELLO, ...frames.flatMap((f) => [...f])]);
      for (const [at, v] of flips) bytes[at % bytes.length] = v;
      return bytes.subarray(0, Math.max(4, cut % (bytes.length + 1)));
    }),
  fc.array(messageish, { maxLength: 5 }).map((frames) =>
    new Uint8Array([...HELLO, ...frames.flatMap((f) => [...f])])
  ),
  fc.nat(0xffffffff).map((n) =>
    new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255, 123, 34])
  ),
);

async function throwAt(port: number, bytes: Uint8Array, waitForClose: boolean): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(bytes).catch(() => 0);
    if (waitForClose) {
      // Read whatever comes back for a moment (ERROR frames, replies), then leave.
      const buf = new Uint8Array(64 * 1024);
      const deadline = Date.now() + 30;
      while (Date.now() < deadline) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const n = await Promise.race([
          conn.read(buf).catch(() => null),
          new Promise<number>((r) => timer = setTimeout(() => r(-1), 10)),
        ]);
        clearTimeout(timer);
        if (n === null || n === -1) break;
      }
    }
  } finally {
    conn.close();
  }
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Deno.memoryUsage().heapUsed / 2 ** 20;
}

Deno.test("fuzz: thousands of hostile connections leave the index server up, answering and bounded", async () => {
  await using net = testServer({ limits: { maxConnectionsPerAddress: 10_000 } });
  const honest = await IndexClient.connect(net.address, { port: 9999 });
  await honest.register([{
    name: "honest.txt",
    type: "txt",
    size: 1,
    mtime: 0,
    sha256: "1".repeat(64),
    description: "",
    chunkSize: 1048576, // chunkSizeFor(size)
    chunkRoot: "1".repeat(64),
  }]);
  const before = heapMiB();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(hostileBytes, fc.boolean(), async (bytes, wait) => {
      runs++;
      await throwAt(net.port, bytes, wait && runs % 10 === 0);
      if (runs % 500 === 0) assert.equal((await honest.search("honest")).results.length, 1);
    }),
    { seed: 20261122, numRuns: 3000 },
  );
  await waitFor(() => net.server.connectionCount === 1, "hostile sessions to end", 15_000);
  assert.equal(
    (await honest.search("honest")).results.length,
    1,
    "the real client still gets answers",
  );
  assert.equal(net.server.store.sharingPeerCount, 1, "no fuzz peer lingers");
  const grown = heapMiB() - before;
  assert.ok(grown < 64, `heap grew ${grown.toFixed(1)} MiB`);
  await honest.bye();
});

Deno.test("fuzz: a peer's file server survives hostile connections and still serves", async () => {
  await using share = await tempDir({ "real.txt": "still here" });
  const path = `${share.path}/real.txt`;
  const sha = "7".repeat(64);
  const shared: SharedFile = {
    name: "real.txt",
    path,
    type: "txt",
    size: 10,
    mtime: 0,
    sha256: sha,
    description: "",
    chunkSize: 1 << 20,
    chunkRoot: sha,
    chunkHashes: [sha],
  };
  const fs = startFileServer((s) => (s === sha ? shared : undefined), {
    hostname: "127.0.0.1",
    port: 0,
    maxConnectionsPerAddress: 10_000,
  });
  try {
    await fc.assert(
      fc.asyncProperty(hostileBytes, async (bytes) => await throwAt(fs.addr.port, bytes, false)),
      { seed: 7, numRuns: 1500 },
    );
    const conn = new MessageConnection(
      await Deno.connect({ hostname: "127.0.0.1", port: fs.addr.port }),
    );
    try {
      await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
      await conn.send({ type: "DOWNLOAD", sha256: sha } satisfies Message);
      const header = await conn.expect(["FILE"]);
      const bytes = new Uint8Array(header.size);
      await conn.readInto(bytes);
      assert.equal(new TextDecoder().decode(bytes), "still here");
    } finally {
      conn.close();
    }
  } finally {
    await fs.close();
  }
});
