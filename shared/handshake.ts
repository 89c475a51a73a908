/**
 * The opening of every connection: HELLO, and on private networks (which run
 * over TLS) a mutual challenge-response proving knowledge of a shared secret
 * without sending it, bound to this connection's TLS session.
 *
 * ```
 * caller                                           answerer
 * HELLO {version, port, nonce: Nc, cert: Cc}  →
 *                                             ←    CHALLENGE {nonce: Ns, proof: Ps}
 * AUTH {proof: Pc}                            →
 *                                             ←    HI {peerId}
 * ```
 * `Fs` is the SHA-256 of the certificate the answerer presents in TLS (as
 * the caller saw it; the answerer uses its own), `Fc` the SHA-256 of the
 * caller's certificate `Cc`. Both proofs cover Nc, Ns, Fs and Fc, so a relay
 * without the secret that stands between the two (and so presents its own
 * certificate to the caller) can neither complete nor reuse a proof. Both
 * nonces are fresh random 32-byte values, so a recorded handshake cannot be
 * replayed. Without a secret: HELLO → HI over plain TCP (with, for a peer
 * naming its host, the host-key proof: hostProof).
 * @module
 */
import { createHash, createHmac, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import type { MessageConnection } from "./connection.ts";
import { AuthError, ProtocolError, RemoteError } from "./errors.ts";
import { type HelloMessage, type HiMessage, type Message, PROTOCOL_VERSION } from "./protocol.ts";

/** What one handshake's proofs cover besides the secret. */
export interface ProofInput {
  /** The caller's HELLO nonce (Nc). */
  helloNonce: string;
  /** The answerer's CHALLENGE nonce (Ns). */
  challengeNonce: string;
  /** SHA-256 (hex) of the answerer's TLS certificate (Fs). */
  serverFingerprint: string;
  /** SHA-256 (hex) of the caller's certificate from HELLO (Fc). */
  clientFingerprint: string;
}

/** What a caller on a private network binds its handshake to. */
export interface CallerBinding {
  /** The caller's own certificate (DER), sent in HELLO. */
  cert: Uint8Array;
  /** SHA-256 (hex) of the certificate the answerer presented in this TLS session. */
  serverFingerprint: string;
}

/** A fresh random nonce: 32 bytes as 64 hex digits. */
export function newNonce(): string {
  return randomBytes(32).toString("hex");
}

/** SHA-256 of a whole certificate (DER), 64 lower-case hex digits. */
export function certFingerprint(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex");
}

/** scrypt parameters of the network key: about 0.15 s and 64 MiB per derivation. */
const NETWORK_KEY = { salt: "swapmeet-v2 network key", N: 65536, r: 8, p: 1, bytes: 32 };
const networkKeys = new Map<string, Uint8Array>();

/**
 * The key the proofs are made with: scrypt(secret, "swapmeet-v2 network key",
 * N = 65536, r = 8, p = 1, 32 bytes), derived once per secret and process.
 * Whoever records one proof must pay this for every secret they try, so a
 * short secret is not guessed in seconds.
 */
export function networkKey(secret: string): Uint8Array {
  let key = networkKeys.get(secret);
  if (!key) {
    const { salt, N, r, p, bytes } = NETWORK_KEY;
    key = scryptSync(secret, salt, bytes, { N, r, p, maxmem: 256 * N * r });
    networkKeys.set(secret, key);
  }
  return key;
}

/** The answerer's proof: HMAC-SHA-256(networkKey, "swapmeet-server-v2\n" Nc "\n" Ns "\n" Fs "\n" Fc). */
export function serverProof(secret: string, input: ProofInput): string {
  return hmac(secret, "swapmeet-server-v2", input);
}

/** The caller's proof: HMAC-SHA-256(networkKey, "swapmeet-client-v2\n" Nc "\n" Ns "\n" Fs "\n" Fc). */
export function clientProof(secret: string, input: ProofInput): string {
  return hmac(secret, "swapmeet-client-v2", input);
}

/**
 * The proof that a file server holds a peer's host key (open networks):
 * HMAC-SHA-256(key, "swapmeet-host-v2\n" + nonce), 64 lower-case hex digits,
 * where the key is the 64 hex digits of HELLO.hostKey as ASCII and the nonce
 * those of the checker's HELLO.
 *
 * @example
 * ```ts
 * hostProof("1".repeat(64), "2".repeat(64)); // 64 hex digits
 * ```
 */
export function hostProof(key: string, nonce: string): string {
  return createHmac("sha256", key).update(`swapmeet-host-v2\n${nonce}`).digest("hex");
}

/** Constant-time comparison of two hex proofs. */
export function proofsMatch(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function hmac(secret: string, label: string, p: ProofInput): string {
  const text =
    `${label}\n${p.helloNonce}\n${p.challengeNonce}\n${p.serverFingerprint}\n${p.clientFingerprint}`;
  return createHmac("sha256", networkKey(secret)).update(text).digest("hex");
}

/**
 * Answering side: waits for HELLO (and AUTH on a private network) within
 * `timeoutMs`. Returns the HELLO; the caller then sends HI. Throws
 * ProtocolError (to be answered with ERROR) on anything wrong. On a private
 * network `fingerprint` is the SHA-256 of the certificate this side presents.
 */
export async function acceptHello(
  conn: MessageConnection,
  options: { secret?: string; timeoutMs: number; fingerprint?: string },
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
  if (!options.fingerprint) throw new Error("A private network's answerer needs its fingerprint");
  if (!hello.nonce) {
    throw new ProtocolError("AUTH", "This is a private network: a secret is needed to join");
  }
  if (!hello.cert) {
    throw new ProtocolError("AUTH", "HELLO on a private network must carry the caller's cert");
  }
  const input: ProofInput = {
    helloNonce: hello.nonce,
    challengeNonce: newNonce(),
    serverFingerprint: options.fingerprint,
    clientFingerprint: certFingerprint(Uint8Array.fromBase64(hello.cert)),
  };
  await conn.send({
    type: "CHALLENGE",
    status: "ok",
    nonce: input.challengeNonce,
    proof: serverProof(options.secret, input),
  });
  const auth = await conn.receive(left());
  if (auth === null) throw new ProtocolError("AUTH", "Connection closed during the handshake");
  if (auth.type !== "AUTH") throw new ProtocolError("BAD_STATE", `Expected AUTH, got ${auth.type}`);
  if (!proofsMatch(auth.proof, clientProof(options.secret, input))) {
    throw new ProtocolError("AUTH", "Wrong secret for this private network");
  }
  return hello;
}

/**
 * Calling side: sends HELLO, answers a CHALLENGE when it has the secret,
 * checks the other side's proof, and returns HI. On a private network
 * `binding` says which certificates the proofs cover.
 */
export async function sayHello(
  conn: MessageConnection,
  hello: Omit<HelloMessage, "type" | "version" | "nonce" | "cert">,
  options: { secret?: string; timeoutMs: number; binding?: CallerBinding },
): Promise<HiMessage> {
  const { secret, binding } = options;
  if (secret && !binding) throw new Error("A private network's caller needs a TLS binding");
  const nonce = newNonce();
  const msg: Message = { type: "HELLO", version: PROTOCOL_VERSION, ...hello };
  if (secret && binding) {
    msg.nonce = nonce;
    msg.cert = binding.cert.toBase64();
  }
  await conn.send(msg);
  const reply = await authStep(conn.expect(["HI", "CHALLENGE"], options.timeoutMs), !secret);
  if (reply.type === "HI") {
    if (secret) {
      throw new AuthError("The other side is not on a private network (it asked for no secret)");
    }
    return reply;
  }
  if (!secret || !binding) {
    throw new AuthError("This is a private network: a secret is needed to join");
  }
  const input: ProofInput = {
    helloNonce: nonce,
    challengeNonce: reply.nonce,
    serverFingerprint: binding.serverFingerprint,
    clientFingerprint: certFingerprint(binding.cert),
  };
  if (!proofsMatch(reply.proof, serverProof(secret, input))) {
    throw new AuthError(
      "The secret does not match: the other side could not prove it knows this one (a mistyped secret, or not the server meant)",
    );
  }
  await conn.send({ type: "AUTH", proof: clientProof(secret, input) });
  return await authStep(conn.expect(["HI"], options.timeoutMs), false);
}

/** An ERROR AUTH reply, or (to a plain caller) TLS in place of a reply, is an AuthError. */
async function authStep<T>(reply: Promise<T>, plainCaller: boolean): Promise<T> {
  try {
    return await reply;
  } catch (err) {
    if (err instanceof RemoteError && err.code === "AUTH") throw new AuthError(err.message);
    if (err instanceof ProtocolError && err.code === "AUTH" && plainCaller) {
      throw new AuthError("This is a private network: a secret is needed to join");
    }
    throw err;
  }
}
