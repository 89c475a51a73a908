/**
 * TLS identities of private networks: a self-signed ECDSA P-256 certificate
 * (CA:FALSE, DNS name "swapmeet.peer") and its key, made once and kept in one
 * PEM file readable only by its owner. Nothing here trusts a certificate by
 * name or issuer: peers pin the exact certificate, and the secret handshake
 * binds its SHA-256.
 *
 * `@peculiar/x509` is imported only when a certificate has to be made, so a
 * start-up that finds its identity (or needs none) never loads it.
 * @module
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { dirname } from "node:path";
import { certFingerprint } from "../shared/handshake.ts";
import { SwapmeetError } from "../shared/errors.ts";
import { osErrorText } from "../shared/text.ts";

/** The DNS name in every Swapmeet certificate, which no public CA issues. */
export const TLS_NAME = "swapmeet.peer";

/** A certificate and its private key. */
export interface TlsIdentity {
  /** The certificate, PEM. */
  readonly cert: string;
  /** The PKCS#8 private key, PEM. */
  readonly key: string;
  /** The certificate, DER. */
  readonly der: Uint8Array;
  /** SHA-256 of `der`, hex: what the handshake binds. */
  readonly fingerprint: string;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/**
 * Makes a new identity (about 40 ms, plus about 80 ms to load the X.509
 * package the first time).
 *
 * @example
 * ```ts
 * const identity = await createIdentity();
 * Deno.listenTls({ port: 0, cert: identity.cert, key: identity.key });
 * ```
 */
export async function createIdentity(): Promise<TlsIdentity> {
  const x509 = await import("@peculiar/x509");
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] &= 0x7f; // a positive serial number
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toHex(),
    name: `CN=${TLS_NAME}`,
    // Pinned, not chained: the dates only need to hold on every clock that checks them.
    notBefore: new Date("2020-01-01T00:00:00Z"),
    notAfter: new Date("2099-12-31T00:00:00Z"),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: TLS_NAME }]),
    ],
  }, crypto);
  const der = new Uint8Array(cert.rawData);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    cert: toPem("CERTIFICATE", der),
    key: toPem("PRIVATE KEY", pkcs8),
    der,
    fingerprint: certFingerprint(der),
  };
}

let ephemeral: Promise<TlsIdentity> | null = null;

/** One identity for this process only, made on first use (for callers given none). */
export function ephemeralIdentity(): Promise<TlsIdentity> {
  ephemeral ??= createIdentity();
  return ephemeral;
}

/**
 * The identity kept in `path`, made (with its folder, mode 0700) and stored
 * with mode 0600 when the file does not exist. A file that is damaged, or
 * that others may read, is a SwapmeetError with a one-line message and is
 * left alone: a key is not something to overwrite behind its owner's back.
 *
 * @example
 * ```ts
 * const identity = await loadIdentity(`${Deno.env.get("HOME")}/.swapmeet/peer-identity.pem`);
 * ```
 */
export async function loadIdentity(path: string): Promise<TlsIdentity> {
  let text: string;
  try {
    text = await readPrivate(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    return await storeNew(path);
  }
  return parseIdentity(text, path);
}

/** Reads a file that must not be readable by others. */
async function readPrivate(path: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw err;
    throw new SwapmeetError(`Cannot read identity file ${path}: ${osErrorText(err)}`);
  }
  if (!info.isFile) throw new SwapmeetError(`Identity file ${path} is not a regular file`);
  if (info.mode !== null && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
    throw new SwapmeetError(
      `Identity file ${path} may be read by other users (mode ${mode}); run: chmod 600 ${path}`,
    );
  }
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    throw new SwapmeetError(`Cannot read identity file ${path}: ${osErrorText(err)}`);
  }
}

/** Makes an identity and stores it at `path` unless another process got there first. */
async function storeNew(path: string): Promise<TlsIdentity> {
  const identity = await createIdentity();
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(tmp, identity.cert + identity.key, { createNew: true, mode: 0o600 });
    try {
      await Deno.link(tmp, path); // fails if it exists: never replaces another's identity
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return await loadIdentity(path);
      throw err;
    }
  } catch (err) {
    if (err instanceof SwapmeetError) throw err;
    throw new SwapmeetError(`Cannot store identity file ${path}: ${osErrorText(err)}`);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
  return identity;
}

/** Checks a stored identity: both PEM blocks, a certificate of ours, and a key that matches it. */
function parseIdentity(text: string, path: string): TlsIdentity {
  const damaged = (why: string) =>
    new SwapmeetError(
      `Identity file ${path} is damaged (${why}); delete it and a new identity is made`,
    );
  const certB64 = pemBody(text, "CERTIFICATE");
  const keyB64 = pemBody(text, "PRIVATE KEY");
  if (certB64 === null) throw damaged("no CERTIFICATE block");
  if (keyB64 === null) throw damaged("no PRIVATE KEY block");
  let der: Uint8Array;
  let x509: X509Certificate;
  try {
    der = Uint8Array.fromBase64(certB64);
    x509 = new X509Certificate(der);
  } catch {
    throw damaged("the certificate cannot be read");
  }
  let key: string;
  let matches = false;
  try {
    key = toPem("PRIVATE KEY", Uint8Array.fromBase64(keyB64));
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw damaged("the private key cannot be read");
  }
  if (!matches) throw damaged("the private key is not the certificate's");
  if (x509.ca || !(x509.subjectAltName ?? "").split(", ").includes(`DNS:${TLS_NAME}`)) {
    throw damaged(`not a CA:FALSE certificate for ${TLS_NAME}`);
  }
  return { cert: toPem("CERTIFICATE", der), key, der, fingerprint: certFingerprint(der) };
}

/** The base64 body of the first PEM block with this label, or null. */
function pemBody(text: string, label: string): string | null {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`)
    .exec(text);
  return m ? m[1].replace(/\s+/g, "") : null;
}

/** DER as PEM, in 64-character lines. */
export function toPem(label: string, der: Uint8Array): string {
  const lines = der.toBase64().match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
