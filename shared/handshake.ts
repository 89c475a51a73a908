/**
 * The opening of every connection: HELLO, and on private networks a mutual
 * challenge-response proving knowledge of a shared secret without sending it.
 *
 * ```
 * caller                                   answerer
 * HELLO {version, port, nonce: Nc}   →
 *                                    ←     CHALLENGE {nonce: Ns, proof: HMAC(k, "swapmeet-server\n" Nc "\n" Ns)}
 * AUTH {proof: HMAC(k, "swapmeet-client\n" Ns "\n" Nc)} →
 *                                    ←     HI {peerId}
 * ```
 * Both nonces are fresh random 32-byte values, so a recorded handshake cannot
 * be replayed. Without a secret: HELLO → HI.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { MessageConnection } from "./connection.ts";
import { AuthError, ProtocolError, RemoteError } from "./errors.ts";
import { type HelloMessage, type HiMessage, type Message, PROTOCOL_VERSION } from "./protocol.ts";

/** A fresh random nonce: 32 bytes as 64 hex digits. */
export function newNonce(): string {
  return randomBytes(32).toString("hex");
}

/** The answerer's proof: HMAC-SHA-256(secret, "swapmeet-server\n" + helloNonce + "\n" + challengeNonce). */
export function serverProof(secret: string, helloNonce: string, challengeNonce: string): string {
  return hmac(secret, `swapmeet-server\n${helloNonce}\n${challengeNonce}`);
}

/** The caller's proof: HMAC-SHA-256(secret, "swapmeet-client\n" + challengeNonce + "\n" + helloNonce). */
export function clientProof(secret: string, challengeNonce: string, helloNonce: string): string {
  return hmac(secret, `swapmeet-client\n${challengeNonce}\n${helloNonce}`);
}

/** Constant-time comparison of two hex proofs. */
export function proofsMatch(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function hmac(secret: string, text: string): string {
  return createHmac("sha256", secret).update(text).digest("hex");
}

/**
 * Answering side: waits for HELLO (and AUTH on a private network) within
 * `timeoutMs`. Returns the HELLO; the caller then sends HI. Throws
 * ProtocolError (to be answered with ERROR) on anything wrong.
 */
export async function acceptHello(
  conn: MessageConnection,
  options: { secret?: string; timeoutMs: number },
): Promise<HelloMessage> {
  const deadline = Date.now() + options.timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const hello = await conn.receive(left());
  if (hello === null) throw new ProtocolError("BAD_STATE", "Connection closed before HELLO");
  if (hello.type !== "HELLO") {
    throw new ProtocolError("BAD_STATE", `Expected HELLO, got ${hello.type}`);
  }
  if (hello.version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      "VERSION",
      `Protocol version ${hello.version} is not supported (this side speaks ${PROTOCOL_VERSION})`,
    );
  }
  if (!options.secret) return hello;
  if (!hello.nonce) {
    throw new ProtocolError("AUTH", "This is a private network: a secret is needed to join");
  }
  const nonce = newNonce();
  await conn.send({
    type: "CHALLENGE",
    status: "ok",
    nonce,
    proof: serverProof(options.secret, hello.nonce, nonce),
  });
  const auth = await conn.receive(left());
  if (auth === null) throw new ProtocolError("AUTH", "Connection closed during the handshake");
  if (auth.type !== "AUTH") throw new ProtocolError("BAD_STATE", `Expected AUTH, got ${auth.type}`);
  if (!proofsMatch(auth.proof, clientProof(options.secret, nonce, hello.nonce))) {
    throw new ProtocolError("AUTH", "Wrong secret for this private network");
  }
  return hello;
}

/**
 * Calling side: sends HELLO, answers a CHALLENGE when it has the secret,
 * checks the other side's proof, and returns HI.
 */
export async function sayHello(
  conn: MessageConnection,
  hello: Omit<HelloMessage, "type" | "version" | "nonce">,
  options: { secret?: string; timeoutMs: number },
): Promise<HiMessage> {
  const nonce = newNonce();
  const msg: Message = { type: "HELLO", version: PROTOCOL_VERSION, ...hello };
  if (options.secret) msg.nonce = nonce;
  await conn.send(msg);
  let reply;
  try {
    reply = await conn.expect(["HI", "CHALLENGE"], options.timeoutMs);
  } catch (err) {
    if (err instanceof RemoteError && err.code === "AUTH") throw new AuthError(err.message);
    throw err;
  }
  if (reply.type === "HI") {
    if (options.secret) {
      throw new AuthError("The other side is not on a private network (it asked for no secret)");
    }
    return reply;
  }
  if (!options.secret) {
    throw new AuthError("This is a private network: give its secret with --secret");
  }
  if (!proofsMatch(reply.proof, serverProof(options.secret, nonce, reply.nonce))) {
    throw new AuthError("The other side does not know the secret");
  }
  await conn.send({ type: "AUTH", proof: clientProof(options.secret, reply.nonce, nonce) });
  try {
    return await conn.expect(["HI"], options.timeoutMs);
  } catch (err) {
    if (err instanceof RemoteError && err.code === "AUTH") throw new AuthError(err.message);
    throw err;
  }
}
