import assert from "node:assert/strict";
import { IndexClient } from "../../peer/index_client.ts";
import { delay } from "../../shared/deadline.ts";
import { worstCaseRecords } from "../../bench/worst_case.ts";
import { testServer, waitFor } from "../_helpers.ts";

/** Files the hostile peer may share: it registers all of them. */
const ALLOWANCE = 1_500;

Deno.test("a peer that registers the worst records its allowance permits, then leaves, never keeps a probe waiting 1 s", async () => {
  await using net = testServer({ limits: { maxFilesPerPeer: ALLOWANCE } });
  const probe = await IndexClient.connect(net.address, { port: 5000 });
  await probe.register([{
    name: "probe.txt",
    type: "txt",
    size: 1,
    mtime: 0,
    sha256: "1".repeat(64),
    description: "",
    chunkSize: 1048576, // chunkSizeFor(size)
    chunkRoot: "1".repeat(64),
  }]);
  const records = worstCaseRecords(ALLOWANCE, 7);
  const latencies: number[] = [];
  let probing = true;
  const probes = (async () => {
    while (probing) {
      const t = performance.now();
      assert.equal((await probe.search("probe")).results.length, 1);
      latencies.push(performance.now() - t);
      await delay(10); // the probe's pace
    }
  })();
  const hostile = await IndexClient.connect(net.address, { port: 6000, timeoutMs: 120_000 });
  try {
    assert.equal((await hostile.register(records)).total, ALLOWANCE);
    assert.equal(net.server.store.fileCount, ALLOWANCE + 1);
  } finally {
    hostile.close(); // leaves without BYE
  }
  await waitFor(
    () => net.lines.some((l) => / left /.test(l)) && net.server.store.fileCount === 1,
    "the hostile peer's files to be gone",
    120_000,
  );
  probing = false;
  await probes;
  assert.equal(net.server.store.vocabularySize, 2, "the hostile words went with the peer");
  await probe.bye();
  const worst = Math.max(...latencies);
  assert.ok(worst < 1_000, `a probe waited ${worst.toFixed(0)} ms`);
  assert.ok(latencies.length >= 20, `${latencies.length} probes`);
});
