/**
 * How a peer reaches the index server: a connect function that returns a
 * byte stream (and, on a private network, the fingerprint of the TLS
 * certificate the server presented, for the handshake to bind). The default
 * dials; tests pass one that serves a session over in-memory pipes.
 * @module
 */
import { dial, dialTls, learnCertificate } from "../net/dial.ts";
import type { ByteStream } from "../shared/connection.ts";
import { AuthError } from "../shared/errors.ts";
import { certFingerprint } from "../shared/handshake.ts";
import type { ServerAddress } from "./index_client.ts";

/** A byte stream to the index server. */
export interface IndexChannel {
  stream: ByteStream;
  /**
   * SHA-256 (hex) of the certificate the server presented in TLS; needed on
   * a private network, where the handshake binds it.
   */
  serverFingerprint?: string;
}

/** Opens a byte stream to the index server within `timeoutMs`. */
export type IndexConnector = (server: ServerAddress, timeoutMs: number) => Promise<IndexChannel>;

/**
 * The default connector: TCP on an open network. On a private network, TLS:
 * the server's certificate is unknown at first contact, so it is learnt
 * (node:tls, trusting nothing) and the connection is then made with Deno's
 * TLS pinned to it; later connections (reconnects) use the certificate learnt
 * before and learn again only when it no longer matches. Nothing learnt is
 * trusted: the secret handshake binds the fingerprint, so a relay that shows
 * its own certificate fails the handshake.
 *
 * @example
 * ```ts
 * const connect = dialIndex({ secret });
 * const { stream, serverFingerprint } = await connect({ host: "10.0.0.2", port: 1234 }, 10_000);
 * ```
 */
export function dialIndex(options: { secret?: string }): IndexConnector {
  if (!options.secret) {
    return async (server, timeoutMs) => ({
      stream: await dial(server.host, server.port, timeoutMs),
    });
  }
  const learnt = new Map<string, Uint8Array>();
  return async ({ host, port }, timeoutMs) => {
    const key = `${host}:${port}`;
    const before = learnt.get(key);
    if (before) {
      try {
        const stream = await dialTls(host, port, before, timeoutMs);
        return { stream, serverFingerprint: certFingerprint(before) };
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        learnt.delete(key); // a new certificate there: learn it (and prove it) again
      }
    }
    const cert = await learnCertificate(host, port, timeoutMs);
    const stream = await dialTls(host, port, cert, timeoutMs);
    learnt.set(key, cert);
    return { stream, serverFingerprint: certFingerprint(cert) };
  };
}
