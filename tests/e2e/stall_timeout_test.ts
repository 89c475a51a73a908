/**
 * `--stall-timeout S`: how long `get` and the menu's downloads wait for
 * holders that send nothing before they stop (keeping what was verified).
 */
import assert from "node:assert/strict";
import { IndexClient } from "../../peer/index_client.ts";
import { scanShare, toRecord } from "../../peer/share_folder.ts";
import { randomBytes, runMain, tempDir, testServer } from "../_helpers.ts";
import { chunkListOf, fakeHolder } from "./_holders.ts";

const MiB = 1024 * 1024;

/** What a test sees of the mute holder: the index's address, and its first DOWNLOAD's time. */
interface Mute {
  server: string;
  /** Date.now() when the holder took its first DOWNLOAD (0: none yet). */
  firstRequest(): number;
}

/**
 * Runs `test` with an index server on which `mute.bin` (3 MiB) is held by one
 * holder only: it answers the chunk list, takes every DOWNLOAD and never sends
 * a byte.
 */
async function withMuteHolder(test: (mute: Mute) => Promise<void>): Promise<void> {
  await using share = await tempDir({ "mute.bin": randomBytes(3 * MiB, 131) });
  await using net = testServer();
  const [file] = (await scanShare(share.path)).files;
  let first = 0;
  await using holder = fakeHolder(async (conn, counter) => {
    for (;;) {
      const req = await conn.expect(["DOWNLOAD", "CHUNKS"], 120_000);
      if (req.type === "CHUNKS") {
        await conn.send(chunkListOf(file));
      } else if (counter.downloads++ === 0) {
        first = Date.now();
      }
    }
  });
  const client = await IndexClient.connect(net.address, { port: holder.port });
  try {
    await client.register([toRecord(file)]);
    await test({ server: `127.0.0.1:${net.port}`, firstRequest: () => first });
  } finally {
    await client.bye();
  }
}

Deno.test("get --stall-timeout 1 stops about a second after a holder takes the request and sends nothing", async () => {
  await withMuteHolder(async (mute) => {
    await using out = await tempDir();
    const started = Date.now();
    // Without the flag the holder is waited on for the 15 s reply timeout (the stall: 60 s).
    const r = await runMain(
      ["get", "mute.bin", "--server", mute.server, "--out", out.path, "--stall-timeout", "1"],
    );
    const ended = Date.now();
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^error: Download of mute\.bin failed: No holder sent anything for 1 second\n$/,
    );
    assert.equal(r.stdout, "");
    assert.ok(mute.firstRequest() > 0, "the holder was asked for the file");
    assert.ok(ended - started >= 1_000, `get stopped after ${ended - started} ms, before 1 s`);
    const waited = ended - mute.firstRequest();
    assert.ok(waited < 8_000, `get stopped ${waited} ms after its request (stall: 1 s)`);
  });
});

Deno.test("peer --stall-timeout 0.5: the menu's download stops, says why, and the menu goes on", async () => {
  await withMuteHolder(async (mute) => {
    await using share = await tempDir({ "mine.txt": "x" });
    await using out = await tempDir();
    const args = ["peer", "--server", mute.server, "--share", share.path, "--out", out.path];
    const r = await runMain([...args, "--stall-timeout", "0.5"], {
      stdinText: ["1", "mute", "1", "4"].join("\n") + "\n",
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(
      r.stdout,
      /\nerror: Download of mute\.bin failed: No holder sent anything for 500 ms\n[^]*Choice: 4\nBye\.\n$/,
    );
    const waited = Date.now() - mute.firstRequest();
    assert.ok(waited < 8_000, `the menu stopped ${waited} ms after its request (stall: 0.5 s)`);
  });
});

Deno.test("--stall-timeout that is not a positive number is a one-line usage error (exit 2)", async () => {
  await using share = await tempDir({ "a.txt": "a" });
  const cases = [
    ["get", "a.txt", "--stall-timeout", "0"],
    ["get", "a.txt", "--stall-timeout=-5"],
    ["get", "a.txt", "--stall-timeout", "soon"],
    ["peer", "--share", share.path, "--stall-timeout", "0"],
    ["peer", "--share", share.path, "--stall-timeout", "1.5.2"],
  ];
  for (const args of cases) {
    const r = await runMain(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(
      r.stderr,
      /^error: --stall-timeout must be a number of seconds above 0 \(at most \d+\), got "[^"\n]*"\n$/,
      args.join(" "),
    );
    assert.equal(r.stdout, "");
  }
});

Deno.test("get and peer list --stall-timeout in their help, saying the verified part is kept", async () => {
  for (const command of ["get", "peer"]) {
    const r = await runMain([command, "--help"]);
    assert.equal(r.code, 0);
    assert.match(
      r.stdout,
      /--stall-timeout S +stop a download when no holder sends anything for S seconds .*default 60.*the verified part is kept/,
    );
  }
});
