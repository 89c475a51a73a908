import assert from "node:assert/strict";
import { resolve } from "node:path";
import { downloadFile } from "../../peer/downloader.ts";
import { Peer } from "../../peer/peer.ts";

import { tempDir, testServer } from "../_helpers.ts";

Deno.test("a hostile name in a search result cannot make the downloader write outside its folder", async () => {
  await using share = await tempDir({ "real.txt": "payload" });
  await using out = await tempDir();
  await using net = testServer();
  const holder = await Peer.start({
    server: net.address,
    shareDir: share.path,
    hostname: "127.0.0.1",
  });
  try {
    const [hit] = (await holder.search("real")).results;
    for (const name of ["../../escaped.txt", "/tmp/abs.txt", "..\\win.txt", "\u0000"]) {
      const done = await downloadFile({ ...hit, name }, { outDir: out.path });
      assert.equal(
        resolve(done.path, ".."),
        resolve(out.path),
        `${JSON.stringify(name)} → ${done.path}`,
      );
    }
    const names = [...Deno.readDirSync(out.path)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "abs.txt",
      `download-${hit.sha256.slice(0, 12)}`,
      "escaped.txt",
      "win.txt",
    ]);
  } finally {
    await holder.close();
  }
});
