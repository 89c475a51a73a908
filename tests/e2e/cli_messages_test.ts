import assert from "node:assert/strict";
import { IndexClient } from "../../peer/index_client.ts";
import { runMain, tempDir, testServer } from "../_helpers.ts";

Deno.test("share on a taken port names the port and what to do, in one line", async () => {
  await using net = testServer();
  await using share = await tempDir({ "a.txt": "a" });
  const taken = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  try {
    const port = taken.addr.port;
    const r = await runMain([
      "share",
      share.path,
      "--server",
      `127.0.0.1:${net.port}`,
      "--port",
      `${port}`,
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `error: Cannot serve files on port ${port}: another peer or program is using that port; choose another with --port P, or --port 0 for any free port\n`,
    );
  } finally {
    taken.close();
  }
});

Deno.test("search --limit says when more files match than it shows", async () => {
  await using net = testServer();
  const sharer = await IndexClient.connect(net.address, { port: 4000 });
  try {
    await sharer.register(["a", "b"].map((x) => ({
      name: `lab_${x}.txt`,
      type: "txt",
      size: 1,
      mtime: 0,
      sha256: x.repeat(64),
      description: "",
      chunkSize: 1048576,
      chunkRoot: "c".repeat(64),
    })));
    const server = `127.0.0.1:${net.port}`;
    const one = await runMain(["search", "lab", "--limit", "1", "--server", server]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stdout.match(/^ +\d+\. /gm)?.length, 1);
    assert.equal(
      one.stderr,
      "More files match than the 1 shown: raise --limit (now 1) or add words.\n",
    );
    const all = await runMain(["search", "lab", "--server", server]);
    assert.equal(all.stderr, "", "nothing more to say when all are shown");
  } finally {
    await sharer.bye();
  }
});
