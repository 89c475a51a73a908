/**
 * The secret through the CLI (--secret-file, SWAPMEET_SECRET), identities that
 * survive restarts in SWAPMEET_HOME, and the help that warns about --secret.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Proc, randomBytes, runMain, tempDir } from "../_helpers.ts";

const SECRET = "study-group-42";
const DATA = randomBytes(1024 * 1024 + 3, 11);

/** Starts `server` on a free port; returns it, its address and the certificate fingerprint it printed. */
async function startServer(args: string[], env: Record<string, string>) {
  const server = new Proc(["server", "--host", "127.0.0.1", "--port", "0", ...args], { env });
  const m = await server.waitFor(
    /listening on 127\.0\.0\.1:(\d+) \(private network, TLS certificate SHA-256 ([0-9a-f]{64})\)/,
  );
  return { server, addr: `127.0.0.1:${m[1]}`, fingerprint: m[2] };
}

Deno.test("CLI: --secret-file and SWAPMEET_SECRET work end to end over TLS; identities survive restarts", async () => {
  await using secrets = await tempDir({ "secret.txt": `${SECRET}\n` });
  await using homes = await tempDir();
  await using share = await tempDir({ "lecture.bin": DATA });
  await using out = await tempDir();
  const secretFile = join(secrets.path, "secret.txt");
  const home = (name: string) => ({ SWAPMEET_HOME: join(homes.path, name) });

  const first = await startServer(["--secret-file", secretFile], home("server"));
  let fingerprint: string;
  {
    await using server = first.server;
    fingerprint = first.fingerprint;
    await using sharer = new Proc(["share", share.path, "--server", first.addr], {
      env: { ...home("sharer"), SWAPMEET_SECRET: SECRET },
    });
    await sharer.waitFor(/Peer 1: sharing 1 file/);
    const search = await runMain(
      ["search", "lecture", "--json", "--server", first.addr, "--secret-file", secretFile],
      { env: home("getter") },
    );
    assert.equal(search.code, 0, search.stderr);
    const [hit] = JSON.parse(search.stdout);
    assert.match(hit.peers[0].cert, /^[A-Za-z0-9+/]+=*$/, "the holder's certificate is published");
    const get = await runMain(
      [
        "get",
        "lecture.bin",
        "--server",
        first.addr,
        "--out",
        out.path,
        "--secret-file",
        secretFile,
      ],
      { env: home("getter") },
    );
    assert.equal(get.code, 0, get.stderr);
    assert.deepEqual(await Deno.readFile(join(out.path, "lecture.bin")), DATA);
    // Without the secret, the same server turns the CLI away with today's message.
    const without = await runMain(["search", "lecture", "--server", first.addr], {
      env: home("getter"),
    });
    assert.equal(without.code, 1);
    assert.equal(
      without.stderr.trim(),
      "error: This is a private network: a secret is needed to join",
    );
    const wrong = await runMain(["search", "lecture", "--server", first.addr], {
      env: { ...home("getter"), SWAPMEET_SECRET: "not-the-secret" },
    });
    assert.equal(wrong.code, 1);
    assert.equal(
      wrong.stderr.trim(),
      "error: The secret does not match: the other side could not prove it knows this one (a mistyped secret, or not the server meant)",
    );
    server.kill("SIGTERM");
    assert.equal((await server.status()).code, 0);
  }
  for (const who of ["server", "sharer", "getter"]) {
    const file = join(homes.path, who, `${who === "server" ? "server" : "peer"}-identity.pem`);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600, file);
  }
  // A restarted server presents the same certificate.
  const again = await startServer(["--secret-file", secretFile], home("server"));
  await using _server = again.server;
  assert.equal(again.fingerprint, fingerprint);
});

Deno.test("CLI: a missing, empty or doubled secret, or a damaged identity, is a one-line error", async () => {
  await using dir = await tempDir({ "empty.txt": "", "ok.txt": SECRET });
  await using home = await tempDir({ "peer-identity.pem": "garbage" });
  await Deno.chmod(join(home.path, "peer-identity.pem"), 0o600);
  const env = { SWAPMEET_HOME: home.path };
  const missing = join(dir.path, "missing.txt");
  const cases: [string[], number, string][] = [
    [["--secret-file", missing], 1, `error: Cannot read secret file ${missing}: `],
    [
      ["--secret-file", join(dir.path, "empty.txt")],
      1,
      `error: Secret file ${join(dir.path, "empty.txt")} is empty`,
    ],
    [
      ["--secret-file", join(dir.path, "ok.txt"), "--secret", SECRET],
      2,
      "error: Give the secret once: --secret or --secret-file, not both",
    ],
    [
      ["--secret-file", join(dir.path, "ok.txt")],
      1,
      `error: Identity file ${
        join(home.path, "peer-identity.pem")
      } is damaged (no CERTIFICATE block); delete it and a new identity is made`,
    ],
  ];
  for (const [flags, code, start] of cases) {
    const r = await runMain(["search", "x", "--server", "127.0.0.1:1", ...flags], { env });
    assert.equal(r.code, code, `${flags.join(" ")}: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(start), r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

Deno.test("CLI: every help that shows --secret says the command line is visible to other users", async () => {
  for (const command of ["server", "share", "search", "get", "peer"]) {
    const r = await runMain([command, "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--secret-file PATH/, command);
    assert.match(
      r.stdout,
      /--secret S +the secret itself: visible to other local users \(\/proc\/PID\/cmdline, ps\), so prefer --secret-file\n/,
      command,
    );
  }
});
