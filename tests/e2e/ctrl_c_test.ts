import assert from "node:assert/strict";
import { join } from "node:path";
import { Proc, startTask, tempDir } from "../_helpers.ts";

// A terminal's Ctrl-C goes to the whole foreground process group. `setsid`
// gives `deno task` a group of its own, so that signalling the group is what
// a terminal does: the task runner and its child both get SIGINT, and the
// runner forwards its copy to the child as well.
function inOwnGroup(args: string[], cwd: string): Proc {
  return new Proc([], { argv: startTask(args), cwd, group: true });
}

Deno.test("Ctrl-C under deno task stops the server cleanly (exit 0), though SIGINT arrives twice", async () => {
  await using dir = await tempDir();
  // The doubled signal is not always two (the runtime may merge them): three runs.
  for (let run = 0; run < 3; run++) {
    await using server = inOwnGroup(
      ["server", "--host", "127.0.0.1", "--port", "0"],
      dir.path,
    );
    await server.waitFor(/listening on 127\.0\.0\.1:\d+/);
    server.kill("SIGINT");
    const { code } = await server.status();
    assert.equal(code, 0, `run ${run}: ${server.stdout}${server.stderr}`);
    assert.match(server.stdout, /Index server stopped\./);
  }
});

Deno.test("Ctrl-C under deno task: a sharing peer says BYE (left (bye)) and exits 0", async () => {
  await using dir = await tempDir({ "music/a.mp3": "la la" });
  await using server = new Proc(["server", "--host", "127.0.0.1", "--port", "0"]);
  const port = (await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1];
  // The doubled signal is not always two (the runtime may merge them): three runs.
  for (let run = 1; run <= 3; run++) {
    await using sharer = inOwnGroup(
      ["share", join(dir.path, "music"), "--server", `127.0.0.1:${port}`],
      dir.path,
    );
    await sharer.waitFor(new RegExp(`Peer ${run}: sharing 1 file`));
    sharer.kill("SIGINT");
    assert.equal((await sharer.status()).code, 0, `run ${run}: ${sharer.stdout}${sharer.stderr}`);
    await server.waitFor(new RegExp(`peer ${run} at .* left \\(bye\\); 0 peers on the network`));
  }
});
