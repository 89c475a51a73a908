/**
 * How the download engine reaches a holder: a connect function that returns a
 * connection past the handshake. The default dials TCP; tests pass one that
 * serves a holder over in-memory pipes.
 * @module
 */
import { dial } from "../net/dial.ts";
import { MessageConnection } from "../shared/connection.ts";
import { sayHello } from "../shared/handshake.ts";
import type { Holder } from "../shared/protocol.ts";

/**
 * Opens a session with a holder's file server, past HELLO. When `cancel`
 * fires, the connection (or the attempt) is closed.
 */
export type HolderConnector = (holder: Holder, cancel: AbortSignal) => Promise<MessageConnection>;

/**
 * The default connector: TCP to the holder's address, then HELLO (and the
 * secret handshake on a private network), each within `timeoutMs`.
 *
 * @example
 * ```ts
 * const connect = dialHolders({ timeoutMs: 15_000 });
 * const conn = await connect(holder, new AbortController().signal);
 * ```
 */
export function dialHolders(options: { timeoutMs: number; secret?: string }): HolderConnector {
  return async (holder, cancel) => {
    const tcp = await dial(holder.host, holder.port, options.timeoutMs, cancel);
    const conn = new MessageConnection(tcp);
    const close = () => conn.close();
    cancel.addEventListener("abort", close, { once: true });
    try {
      await sayHello(conn, { port: 0 }, { secret: options.secret, timeoutMs: options.timeoutMs });
      return conn;
    } catch (err) {
      conn.close();
      cancel.removeEventListener("abort", close);
      throw err;
    }
  };
}
