/**
 * Dialling other machines with a deadline.
 * @module
 */
import { ConnectionClosedError, TimeoutError } from "../shared/errors.ts";
import { osErrorText } from "../shared/text.ts";

/**
 * Opens a TCP connection (no-delay, keepalive) or throws ConnectionClosedError
 * with a one-line reason. A connection that completes after the deadline is
 * closed, never leaked.
 */
export async function dial(host: string, port: number, timeoutMs: number): Promise<Deno.TcpConn> {
  const attempt = Deno.connect({ hostname: host, port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const conn = await Promise.race([
      attempt,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new TimeoutError(`no answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
    return conn;
  } catch (err) {
    attempt.then((c) => c.close(), () => {});
    throw new ConnectionClosedError(`Cannot reach ${host}:${port}: ${reason(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

function reason(err: unknown): string {
  if (err instanceof Deno.errors.ConnectionRefused) return "connection refused";
  return osErrorText(err).toLowerCase();
}
