import assert from "node:assert/strict";
import { join } from "node:path";
import { Proc, startTask, tempDir, testServer } from "../_helpers.ts";

Deno.test("under deno task, relative paths mean the folder the user typed the command in", async () => {
  await using net = testServer();
  await using home = await tempDir({ "music/song.mp3": "do re mi" });
  const server = `127.0.0.1:${net.port}`;
  await using sharer = new Proc([], {
    argv: startTask(["share", "music", "--server", server]),
    cwd: home.path,
    group: true,
  });
  await sharer.waitFor(/Peer 1: sharing 1 file from (.*) on port/);
  assert.match(sharer.stdout, new RegExp(`from ${join(home.path, "music")} on port`));

  await using get = new Proc([], {
    argv: startTask(["get", "song.mp3", "--server", server, "--out", "incoming", "--quiet"]),
    cwd: home.path,
    group: true,
  });
  assert.equal((await get.status()).code, 0, get.stderr);
  assert.equal(get.stdout.trim(), join(home.path, "incoming", "song.mp3"));
  assert.equal(await Deno.readTextFile(join(home.path, "incoming", "song.mp3")), "do re mi");
});
