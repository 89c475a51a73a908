/**
 * How the download engine reaches a holder: a connect function that returns a
 * connection past the handshake. The default dials TCP (TLS pinned to the
 * holder's published certificate on a private network); tests pass one that
 * serves a holder over in-memory pipes.
 * @module
 */
import { dial, dialTls } from "../net/dial.ts";
import { ephemeralIdentity, type TlsIdentity } from "../net/tls_identity.ts";
import { MessageConnection } from "../shared/connection.ts";
import { AuthError } from "../shared/errors.ts";
import { type CallerBinding, certFingerprint, sayHello } from "../shared/handshake.ts";
import type { Holder } from "../shared/protocol.ts";

/**
 * Opens a session with a holder's file server, past HELLO. When `cancel`
 * fires, the connection (or the attempt) is closed.
 */
export type HolderConnector = (holder: Holder, cancel: AbortSignal) => Promise<MessageConnection>;

/** Options of the default connector. */
export interface DialHoldersOptions {
  timeoutMs: number;
  /** Private network secret: holders are then reached over TLS. */
  secret?: string;
  /** This side's certificate for the handshake (default: one made for this process). */
  identity?: TlsIdentity;
}

/**
 * The default connector: TCP to the holder's address, then HELLO, each within
 * `timeoutMs`. On a private network the connection is TLS that accepts only
 * the certificate the index published for that holder (`holder.cert`), and
 * the secret handshake binds its fingerprint.
 *
 * @example
 * ```ts
 * const connect = dialHolders({ timeoutMs: 15_000 });
 * const conn = await connect(holder, new AbortController().signal);
 * ```
 */
export function dialHolders(options: DialHoldersOptions): HolderConnector {
  const { timeoutMs, secret } = options;
  return async (holder, cancel) => {
    let binding: CallerBinding | undefined;
    let stream: Deno.Conn;
    if (secret) {
      if (!holder.cert) {
        throw new AuthError(`Peer ${holder.id} has no certificate on the index: not trusted`);
      }
      const cert = Uint8Array.fromBase64(holder.cert);
      const identity = options.identity ?? await ephemeralIdentity();
      stream = await dialTls(holder.host, holder.port, cert, timeoutMs, cancel).catch((err) => {
        throw err instanceof AuthError
          ? new AuthError(
            `Peer ${holder.id} at ${holder.host}:${holder.port} presented a TLS certificate other than the one the index published`,
          )
          : err;
      });
      binding = { cert: identity.der, serverFingerprint: certFingerprint(cert) };
    } else {
      stream = await dial(holder.host, holder.port, timeoutMs, cancel);
    }
    const conn = new MessageConnection(stream);
    const close = () => conn.close();
    cancel.addEventListener("abort", close, { once: true });
    try {
      await sayHello(conn, { port: 0 }, { secret, timeoutMs, binding });
      return conn;
    } catch (err) {
      conn.close();
      cancel.removeEventListener("abort", close);
      throw err;
    }
  };
}
