import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { dialTls } from "../../net/dial.ts";
import { serveTcp } from "../../net/tcp_service.ts";
import { createIdentity, loadIdentity, TLS_NAME } from "../../net/tls_identity.ts";
import { AuthError, SwapmeetError } from "../../shared/errors.ts";
import { certFingerprint } from "../../shared/handshake.ts";
import { tempDir } from "../_helpers.ts";

Deno.test("an identity is made once, kept with mode 0600, and the same after a restart", async () => {
  await using home = await tempDir();
  const path = join(home.path, "swapmeet", "peer-identity.pem");
  const first = await loadIdentity(path);
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  assert.equal((await Deno.stat(join(home.path, "swapmeet"))).mode! & 0o777, 0o700);
  const again = await loadIdentity(path); // what a restarted process does
  assert.equal(again.fingerprint, first.fingerprint);
  assert.equal(again.cert, first.cert);
  assert.equal(again.fingerprint, certFingerprint(again.der));
  const x509 = new X509Certificate(again.der);
  assert.equal(x509.ca, false);
  assert.equal(x509.subjectAltName, `DNS:${TLS_NAME}`);
  assert.equal(x509.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
  assert.deepEqual(
    [...Deno.readDirSync(join(home.path, "swapmeet"))].map((e) => e.name),
    ["peer-identity.pem"],
    "no temporary file is left",
  );
});

Deno.test("two processes making the same identity at once end up with one", async () => {
  await using home = await tempDir();
  const path = join(home.path, "server-identity.pem");
  const [a, b, c] = await Promise.all([loadIdentity(path), loadIdentity(path), loadIdentity(path)]);
  assert.equal(a.fingerprint, b.fingerprint);
  assert.equal(b.fingerprint, c.fingerprint);
  assert.equal((await loadIdentity(path)).fingerprint, a.fingerprint);
});

Deno.test("a damaged or exposed identity file is a one-line error and is left alone", async () => {
  await using home = await tempDir();
  const other = await createIdentity();
  const mine = await createIdentity();
  const cases: [string, RegExp][] = [
    [
      "not a pem file\n",
      /is damaged \(no CERTIFICATE block\); delete it and a new identity is made$/,
    ],
    [mine.cert, /is damaged \(no PRIVATE KEY block\)/],
    [mine.cert + other.key, /is damaged \(the private key is not the certificate's\)/],
    [mine.cert.replace(/[A-Za-z]{20}/, "A".repeat(20)) + mine.key, /is damaged \(the certificate/],
  ];
  for (const [i, [text, why]] of cases.entries()) {
    const path = join(home.path, `id${i}.pem`);
    await Deno.writeTextFile(path, text, { mode: 0o600 });
    await assert.rejects(() => loadIdentity(path), (e: Error) => {
      assert.ok(e instanceof SwapmeetError, String(e));
      assert.match(e.message, why);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
    assert.equal(await Deno.readTextFile(path), text, "the file is not replaced");
  }
  const exposed = join(home.path, "exposed.pem");
  await Deno.writeTextFile(exposed, mine.cert + mine.key, { mode: 0o644 });
  await Deno.chmod(exposed, 0o644);
  await assert.rejects(
    () => loadIdentity(exposed),
    new RegExp(`may be read by other users \\(mode 0644\\); run: chmod 600 ${exposed}$`),
  );
});

Deno.test("a pinned TLS connection accepts its identity's certificate and no other", async () => {
  const server = await createIdentity();
  const impostor = await createIdentity();
  const service = serveTcp({
    hostname: "127.0.0.1",
    port: 0,
    maxConnections: 4,
    maxConnectionsPerAddress: 4,
    fullMessage: "full",
    tls: server,
  }, async (conn) => {
    await conn.send({ type: "BYE", status: "ok" }).catch(() => {});
    conn.close();
  });
  try {
    const port = service.addr.port;
    const ok = await dialTls("127.0.0.1", port, server.der, 5_000);
    ok.close();
    await assert.rejects(
      () => dialTls("127.0.0.1", port, impostor.der, 5_000),
      (e: Error) => e instanceof AuthError && /other than the one expected/.test(e.message),
    );
  } finally {
    await service.stopAccepting();
    service.closeAll();
    await service.drained();
  }
});
