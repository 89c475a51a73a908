/**
 * The index server: accepts TCP connections and runs one session per peer.
 * @module
 */
import { MessageConnection } from "../shared/connection.ts";
import { MAX_FRAME_BYTES } from "../shared/protocol.ts";
import { IndexStore } from "./index_store.ts";
import { DEFAULT_LIMITS, runSession, type SessionLimits } from "./session.ts";

/** Options for startIndexServer. */
export interface IndexServerOptions {
  hostname?: string;
  /** 0 lets the OS pick a free port. */
  port?: number;
  limits?: Partial<SessionLimits>;
  maxFrameBytes?: number;
  /** Where join/leave lines go (default: stdout). */
  log?: (line: string) => void;
}

/** A running index server. */
export interface IndexServer {
  /** The address it listens on (with the real port when 0 was asked). */
  readonly addr: Deno.NetAddr;
  readonly store: IndexStore;
  /** Stops accepting, closes every session and waits for them to end. */
  close(): Promise<void>;
}

/** Starts an index server. Throws when the address cannot be bound. */
export function startIndexServer(options: IndexServerOptions = {}): IndexServer {
  const listener = Deno.listen({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port ?? 1234,
  });
  const store = new IndexStore();
  const ctx = {
    store,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    log: options.log ?? ((line: string) => console.log(line)),
  };
  const sessions = new Map<MessageConnection, Promise<unknown>>();
  let closing = false;

  const acceptLoop = (async () => {
    while (!closing) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (closing || err instanceof Deno.errors.BadResource) return;
        // Too many open files and the like: back off instead of dying.
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        conn.setNoDelay(true);
        conn.setKeepAlive(true);
      } catch { /* the socket is already gone */ }
      const mc = new MessageConnection(conn, {
        maxFrameBytes: options.maxFrameBytes ?? MAX_FRAME_BYTES,
      });
      const done = runSession(mc, conn.remoteAddr.hostname, ctx).finally(() => sessions.delete(mc));
      sessions.set(mc, done);
    }
  })();

  return {
    addr: listener.addr,
    store,
    async close() {
      if (closing) return;
      closing = true;
      listener.close();
      await acceptLoop;
      for (const mc of sessions.keys()) mc.close();
      await Promise.all(sessions.values());
    },
  };
}
