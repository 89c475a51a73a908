/**
 * LAN discovery under attack, between two hosts (network namespaces, see
 * _netns.ts): host B announces an index server under the real server's name
 * (and says goodbye for it, every 25 ms), as in the security review.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, tempDir } from "../_helpers.ts";
import { type Host, lanTest } from "./_netns.ts";

const IMPOSTOR = join(ROOT, "tests", "e2e", "_mdns_impostor.ts");

/** A server on `host` that does not announce itself; its port. */
async function quietServer(host: Host, args: string[] = [], env = {}) {
  const proc = host.start(["server", "--port", "0", "--no-announce", ...args], { env });
  const port = (await proc.waitFor(/listening on 0\.0\.0\.0:(\d+)/))[1];
  return { proc, port };
}

/** Host B announcing `lab` at its own server. */
async function impostor(b: Host, port: string, secret: "0" | "1") {
  const proc = b.start(["lab", b.address, port, secret], { script: IMPOSTOR });
  await proc.waitFor(/announcing/);
  return proc;
}

lanTest(
  "an impostor under the real server's name is reported, never used silently; --server works",
  async (a, b) => {
    await using share = await tempDir({ "lecture_notes.txt": "Lecture 7\n" });
    await using lab = a.start(["server", "--port", "0", "--name", "lab"]);
    const labPort = (await lab.waitFor(/listening on 0\.0\.0\.0:(\d+)/))[1];
    await lab.waitFor(/Announced on the LAN as "lab"/);
    const real = `${a.address}:${labPort}`;
    await using sharer = a.start(["share", share.path, "--server", real]);
    await sharer.waitFor(/Peer 1: sharing 1 file/);
    const evil = await quietServer(b);
    await using _evilServer = evil.proc;
    await using _evil = await impostor(b, evil.port, "0");
    const fake = `${b.address}:${evil.port}`;

    for (const flags of [[], ["--network", "lab"]]) {
      const search = await a.run(["search", "lecture", ...flags]);
      assert.equal(search.code, 2, search.stderr);
      assert.match(search.stderr, /^error: two servers call themselves lab: /);
      for (const where of [real, fake]) {
        assert.ok(search.stderr.includes(`lab  ${where}  open`), search.stderr);
      }
      assert.match(search.stderr, /one may be an impostor.*--server HOST:PORT/);
      assert.doesNotMatch(search.stderr, /Using index server/);
    }

    const given = await a.run(["search", "lecture", "--server", real]);
    assert.equal(given.code, 0, given.stderr);
    assert.match(given.stdout, /lecture_notes\.txt/);

    // The menu lists both, warns, and has no default among them.
    await using cwd = await tempDir();
    const menu = await a.run([], { cwd: cwd.path, stdinText: "2\n\n" });
    assert.match(menu.stdout, /Found 2 index servers on the LAN:\n 1 - lab /);
    assert.match(menu.stdout, /Careful: two servers call themselves lab: .*one may be an impostor/);
    assert.match(menu.stdout, /Index server \(1-2\): \nPlease type a number from 1 to 2\./);
  },
);

lanTest(
  "on a private network, a server found on the LAN that fails the secret is called a possible impostor",
  async (a, b) => {
    await using homes = await tempDir();
    const evil = await quietServer(b, ["--secret", "not-the-secret"], {
      SWAPMEET_HOME: join(homes.path, "evil"),
    });
    await using _evilServer = evil.proc;
    await using _evil = await impostor(b, evil.port, "1");
    const fake = `${b.address}:${evil.port}`;

    const search = await a.run(["search", "lecture", "--secret", "the-real-secret"], {
      env: { SWAPMEET_HOME: join(homes.path, "victim") },
    });
    assert.equal(search.code, 1, search.stderr);
    assert.equal(
      search.stderr.trim(),
      `Using index server lab at ${fake}, found on the LAN\n` +
        `error: The index server found on the LAN (lab at ${fake}) failed to prove it knows the ` +
        "network secret: it may be an impostor, or " +
        "your secret is wrong. Give the real server's address with --server HOST:PORT.",
    );
  },
);
