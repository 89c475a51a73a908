/**
 * Dialling other machines with a deadline, in plain TCP or (private networks)
 * TLS. With tcp_service.ts, the only place that opens sockets.
 * @module
 */
import { withDeadline } from "../shared/deadline.ts";
import { AuthError, ConnectionClosedError, TimeoutError } from "../shared/errors.ts";
import { osErrorText } from "../shared/text.ts";
import { TLS_NAME, toPem } from "./tls_identity.ts";

/**
 * Opens a TCP connection (no-delay, keepalive) within `timeoutMs`, or throws
 * ConnectionClosedError with a one-line reason ("Cannot reach 10.0.0.5:1234:
 * connection refused"). `cancel` gives up early.
 *
 * @example
 * ```ts
 * const tcp = await dial("127.0.0.1", 1234, 10_000);
 * ```
 */
export async function dial(
  host: string,
  port: number,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<Deno.TcpConn> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = cancel ? AbortSignal.any([cancel, timeout]) : timeout;
  try {
    const conn = await Deno.connect({ hostname: host, port, signal });
    try {
      conn.setNoDelay(true);
      conn.setKeepAlive(true);
    } catch { /* the socket is already gone: the first read says so */ }
    return conn;
  } catch (err) {
    const why = cancel?.aborted
      ? "cancelled"
      : timeout.aborted
      ? `no answer within ${timeoutMs} ms`
      : reason(err);
    throw new ConnectionClosedError(`Cannot reach ${host}:${port}: ${why}`);
  }
}

function reason(err: unknown): string {
  if (err instanceof Deno.errors.ConnectionRefused) return "connection refused";
  return osErrorText(err).toLowerCase();
}

/**
 * Opens a TLS connection (Deno's own TLS) that accepts exactly one server
 * certificate, `cert` (DER), within `timeoutMs` for TCP and handshake each.
 * Throws AuthError when the server presents any other certificate, and
 * ConnectionClosedError when it cannot be reached or the handshake fails.
 *
 * @example
 * ```ts
 * const conn = await dialTls("10.0.0.7", 40123, holderCertDer, 15_000);
 * ```
 */
export async function dialTls(
  host: string,
  port: number,
  cert: Uint8Array,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<Deno.TlsConn> {
  const tcp = await dial(host, port, timeoutMs, cancel);
  let conn: Deno.TlsConn;
  try {
    // caCerts is added to the built-in roots: safe only because no public CA
    // issues certificates for TLS_NAME.
    conn = await Deno.startTls(tcp, { hostname: TLS_NAME, caCerts: [toPem("CERTIFICATE", cert)] });
  } catch (err) {
    tcp.close();
    throw new ConnectionClosedError(`TLS with ${host}:${port} failed: ${osErrorText(err)}`);
  }
  const close = () => conn.close();
  cancel?.addEventListener("abort", close, { once: true });
  try {
    await withDeadline(
      conn.handshake(),
      timeoutMs,
      `${host}:${port}: no TLS handshake within ${timeoutMs} ms`,
      close,
    );
    return conn;
  } catch (err) {
    close();
    if (/invalid peer certificate/i.test(String((err as Error)?.message))) {
      throw new AuthError(
        `${host}:${port} presented a TLS certificate other than the one expected (${
          osErrorText(err)
        })`,
      );
    }
    if (cancel?.aborted) throw new ConnectionClosedError(`Cannot reach ${host}:${port}: cancelled`);
    throw err instanceof TimeoutError
      ? err
      : new ConnectionClosedError(`TLS with ${host}:${port} failed: ${osErrorText(err)}`);
  } finally {
    cancel?.removeEventListener("abort", close);
  }
}

/**
 * The certificate (DER) a TLS server at host:port presents, trusting nothing:
 * Deno's own TLS cannot tell it, so this asks node:tls (loaded only here).
 * The result is no proof of anything until the secret handshake over a
 * connection pinned to it has bound its fingerprint.
 */
export async function learnCertificate(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Uint8Array> {
  const tls = await import("node:tls");
  const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
  const socket = tls.connect({
    host,
    port,
    servername: TLS_NAME,
    rejectUnauthorized: false, // learning, not trusting: the handshake binds what we get
  });
  socket.once("secureConnect", () => {
    const raw = socket.getPeerCertificate(true)?.raw;
    if (raw && raw.length > 0) resolve(new Uint8Array(raw));
    else reject(new ConnectionClosedError(`${host}:${port} presented no TLS certificate`));
  });
  socket.once("error", (err: Error & { code?: string }) => {
    reject(
      err.code === "ECONNREFUSED"
        ? new ConnectionClosedError(`Cannot reach ${host}:${port}: connection refused`)
        : /SSL|TLS|version/i.test(`${err.code} ${err.message}`)
        ? new AuthError(
          `${host}:${port} is not on a private network (it does not speak TLS)`,
        )
        : new ConnectionClosedError(`Cannot reach ${host}:${port}: ${err.message}`),
    );
  });
  socket.once(
    "close",
    () => reject(new ConnectionClosedError(`${host}:${port} closed the TLS handshake`)),
  );
  try {
    return await withDeadline(
      promise,
      timeoutMs,
      `Cannot reach ${host}:${port}: no TLS handshake within ${timeoutMs} ms`,
    );
  } finally {
    socket.destroy();
  }
}
