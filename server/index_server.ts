/**
 * The index server: accepts TCP connections and runs one session per peer.
 * @module
 */
import { encodeMessage } from "../shared/codec.ts";
import { MessageConnection } from "../shared/connection.ts";
import { encodeFrame } from "../shared/framing.ts";
import { errorMessage } from "../shared/errors.ts";
import { MAX_FRAME_BYTES } from "../shared/protocol.ts";
import { IndexStore } from "./index_store.ts";
import { DEFAULT_LIMITS, type SessionLimits } from "./requests.ts";
import { Session, type SessionContext } from "./session.ts";

/** Options for startIndexServer. */
export interface IndexServerOptions {
  hostname?: string;
  /** 0 lets the OS pick a free port. */
  port?: number;
  limits?: Partial<SessionLimits>;
  maxFrameBytes?: number;
  /** Seconds between heartbeats (default 10). */
  heartbeatSeconds?: number;
  /** Private network secret; peers must prove they know it. */
  secret?: string;
  /** Where join/leave lines go (default: stdout). */
  log?: (line: string) => void;
}

/** A running index server. */
export interface IndexServer {
  /** The address it listens on (with the real port when 0 was asked). */
  readonly addr: Deno.NetAddr;
  readonly store: IndexStore;
  /** Open connections, handshake or not. */
  readonly connectionCount: number;
  /** Sends SHUTDOWN to every peer, stops accepting, closes every session and waits for them. */
  close(message?: string): Promise<void>;
}

/** Default seconds between heartbeats. */
export const DEFAULT_HEARTBEAT_SECONDS = 10;

/** Starts an index server. Throws when the address cannot be bound. */
export function startIndexServer(options: IndexServerOptions = {}): IndexServer {
  const listener = Deno.listen({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port ?? 1234,
  });
  const store = new IndexStore();
  const ctx: SessionContext = {
    store,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    heartbeatSeconds: options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    secret: options.secret || undefined,
    log: options.log ?? ((line: string) => console.log(line)),
  };
  const maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  const sessions = new Map<Session, Promise<unknown>>();
  const perAddress = new Map<string, number>();
  const refusals = new Set<Promise<void>>();
  let closing = false;

  const refuse = (conn: Deno.TcpConn, why: string) => {
    const mc = new MessageConnection(conn);
    const done = mc.send(errorMessage("LIMIT", why)).catch(() => {}).finally(() => {
      mc.close();
      refusals.delete(done);
    });
    refusals.add(done);
  };

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
      const host = conn.remoteAddr.hostname;
      const fromHost = perAddress.get(host) ?? 0;
      if (sessions.size >= ctx.limits.maxConnections) {
        refuse(conn, `The server is full (${ctx.limits.maxConnections} connections)`);
        continue;
      }
      if (fromHost >= ctx.limits.maxConnectionsPerAddress) {
        refuse(
          conn,
          `Too many connections from ${host} (limit ${ctx.limits.maxConnectionsPerAddress})`,
        );
        continue;
      }
      try {
        conn.setNoDelay(true);
        conn.setKeepAlive(true);
      } catch { /* the socket is already gone */ }
      perAddress.set(host, fromHost + 1);
      const session = new Session(new MessageConnection(conn, { maxFrameBytes }), host, ctx);
      const done = session.run().finally(() => {
        sessions.delete(session);
        const n = (perAddress.get(host) ?? 1) - 1;
        if (n === 0) perAddress.delete(host);
        else perAddress.set(host, n);
      });
      sessions.set(session, done);
    }
  })();

  // One timer beats for every session (cheaper than a timer per peer).
  let beatSeq = 0;
  const heartbeat = setInterval(() => {
    const seq = ++beatSeq;
    const ping = encodeFrame(encodeMessage({ type: "PING", seq }));
    for (const session of sessions.keys()) session.beat(ping, seq);
  }, ctx.heartbeatSeconds * 1000);

  return {
    addr: listener.addr,
    store,
    get connectionCount() {
      return sessions.size;
    },
    async close(message = "The index server is shutting down") {
      if (closing) return;
      closing = true;
      clearInterval(heartbeat);
      listener.close();
      await acceptLoop;
      await Promise.all([...sessions.keys()].map((s) => s.shutdown(message)));
      await Promise.all([...sessions.values(), ...refusals]);
    },
  };
}
