/**
 * Dialling other machines with a deadline. With tcp_service.ts, the only
 * place that opens sockets.
 * @module
 */
import { ConnectionClosedError } from "../shared/errors.ts";
import { osErrorText } from "../shared/text.ts";

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
