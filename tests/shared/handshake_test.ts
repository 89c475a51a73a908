/** The private handshake's pure parts, and both of its ends over in-memory pipes. */
import assert from "node:assert/strict";
import { decodeMessage, MAX_CERT_CHARS } from "../../shared/codec.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { AuthError, ProtocolError } from "../../shared/errors.ts";
import { FrameDecoder, isTlsRecordHeader } from "../../shared/framing.ts";
import { acceptHello, certFingerprint, sayHello } from "../../shared/handshake.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { pipePair } from "../_pipes.ts";

const SECRET = "pipe-secret";
const SERVER_CERT = new TextEncoder().encode("server certificate bytes");
const CLIENT_CERT = new TextEncoder().encode("client certificate bytes");

function hello(cert: unknown): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ type: "HELLO", version: PROTOCOL_VERSION, port: 0, cert }),
  );
}

Deno.test("HELLO's cert must be base64 of at most MAX_CERT_CHARS characters", () => {
  assert.equal(decodeMessage(hello(CLIENT_CERT.toBase64())).type, "HELLO");
  for (const bad of ["", "not base64!", "abc", "A".repeat(MAX_CERT_CHARS + 4), 42]) {
    assert.throws(
      () => decodeMessage(hello(bad)),
      (e: Error) => e instanceof ProtocolError && e.code === "BAD_MESSAGE",
      String(bad).slice(0, 20),
    );
  }
});

Deno.test("a TLS record where a frame is expected is told apart from a frame too large", () => {
  // What a plain caller reads from a TLS listener: a fatal alert record.
  assert.ok(isTlsRecordHeader(0x15030300));
  assert.ok(isTlsRecordHeader(0x16030100), "a ClientHello");
  assert.ok(!isTlsRecordHeader(0x15040300));
  assert.ok(!isTlsRecordHeader(0x7b000000));
  const d = new FrameDecoder();
  assert.throws(
    () => d.push(new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32])),
    (e: Error) => e instanceof ProtocolError && e.code === "AUTH",
  );
  const big = new FrameDecoder();
  assert.throws(
    () => big.push(new Uint8Array([0x7f, 0, 0, 0])),
    (e: Error) => e instanceof ProtocolError && e.code === "FRAME_TOO_LARGE",
  );
});

/** Runs acceptHello on one end of a pipe and sayHello on the other. */
async function handshake(callerSees: Uint8Array, secret = SECRET) {
  const [a, b] = pipePair();
  const answerer = new MessageConnection(b);
  const caller = new MessageConnection(a);
  const accepted = acceptHello(answerer, {
    secret: SECRET,
    fingerprint: certFingerprint(SERVER_CERT),
    timeoutMs: 2_000,
  }).then(async (h) => {
    await answerer.send({ type: "HI", status: "ok", peerId: 1 });
    return h;
  }).finally(() => answerer.close());
  const said = sayHello(caller, { port: 0 }, {
    secret,
    timeoutMs: 2_000,
    binding: { cert: CLIENT_CERT, serverFingerprint: certFingerprint(callerSees) },
  }).finally(() => caller.close());
  return await Promise.allSettled([accepted, said]);
}

Deno.test("the handshake over pipes: joins when both see the same certificate, not otherwise", async () => {
  const [accepted, said] = await handshake(SERVER_CERT);
  assert.equal(said.status, "fulfilled");
  assert.equal(accepted.status === "fulfilled" && accepted.value.cert, CLIENT_CERT.toBase64());

  const [refused, caller] = await handshake(new TextEncoder().encode("a relay's certificate"));
  assert.ok(caller.status === "rejected" && caller.reason instanceof AuthError);
  assert.match(
    (caller as PromiseRejectedResult).reason.message,
    /could not prove it knows this one/,
  );
  assert.equal(refused.status, "rejected", "the answerer got no AUTH");

  const [wrong, wrongCaller] = await handshake(SERVER_CERT, "another-secret");
  assert.equal(wrong.status, "rejected");
  assert.equal(wrongCaller.status, "rejected");
});
