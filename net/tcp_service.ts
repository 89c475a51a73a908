/**
 * The accept loop both servers share (the index server and a peer's file
 * server): connection limits in all and per address, refusal with ERROR LIMIT,
 * back-off instead of dying on "too many open files", and bookkeeping so a
 * server can stop and wait until every connection has ended. Plain TCP, or
 * TLS (Deno's own) on private networks.
 * @module
 */
import { type ConnectionOptions, MessageConnection } from "../shared/connection.ts";
import { errorMessage } from "../shared/errors.ts";
import { type ConnectionActivity, ConnectionTable } from "./connection_table.ts";

export type { ConnectionActivity } from "./connection_table.ts";

/** Options for serveTcp. */
export interface TcpServiceOptions {
  hostname: string;
  /** 0 lets the OS pick a free port. */
  port: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /**
   * When `maxConnections` are open, admit a new connection by closing an idle
   * one (the longest-idle of the address with the most connections, if it has
   * more than the newcomer's; see connection_table.ts) instead of refusing it.
   * Handlers report their work through the ConnectionActivity they are given.
   */
  makeRoom?: boolean;
  /** The ERROR LIMIT message a connection closed to make room gets. */
  evictMessage?: string;
  maxFrameBytes?: number;
  /** Other settings of every accepted connection (e.g. a write timeout). */
  connection?: ConnectionOptions;
  /**
   * A connection whose waiting write makes no progress for this long is
   * closed (its writes fail with TimeoutError). Checked every second, or every
   * quarter of it when shorter, by one timer for all connections: no timer
   * per write. Default: never.
   */
  writeStallMs?: number;
  /** Turn TCP keepalive on for accepted connections. */
  keepAlive?: boolean;
  /** The ERROR message when the service is full. */
  fullMessage: string;
  /**
   * Serve TLS with this certificate and key (PEM) instead of plain TCP. The
   * TLS handshake happens on the first read, so it counts against the
   * handler's first deadline (a caller that never finishes it is closed then).
   */
  tls?: { cert: string; key: string };
}

/** A listening service. */
export interface TcpService {
  readonly addr: Deno.NetAddr;
  /** Connections being handled (refused ones are not counted). */
  readonly connectionCount: number;
  /** Stops accepting; resolves when the accept loop has ended. */
  stopAccepting(): Promise<void>;
  /** Closes every open connection. */
  closeAll(): void;
  /** Resolves when every handler (and refusal) has finished. */
  drained(): Promise<void>;
}

/**
 * Listens and calls `handle` once per accepted connection (with the address
 * it came from, the local address it reached, and where to report its
 * activity). Throws when the address cannot be bound.
 */
export function serveTcp(
  options: TcpServiceOptions,
  handle: (
    conn: MessageConnection,
    host: string,
    local: string,
    activity: ConnectionActivity,
  ) => Promise<unknown>,
): TcpService {
  const listener: Deno.Listener = options.tls
    ? Deno.listenTls({ hostname: options.hostname, port: options.port, ...options.tls })
    : Deno.listen({ hostname: options.hostname, port: options.port });
  const handlers = new Map<MessageConnection, Promise<unknown>>();
  const refusals = new Set<Promise<unknown>>();
  const table = new ConnectionTable<MessageConnection>({
    max: options.maxConnections,
    maxPerAddress: options.maxConnectionsPerAddress,
    makeRoom: options.makeRoom,
  });
  let closing = false;
  const stallMs = options.writeStallMs;
  const watchdog = stallMs && stallMs > 0
    ? setInterval(() => {
      const now = Date.now();
      for (const mc of handlers.keys()) mc.closeIfWriteStalled(now, stallMs);
    }, Math.max(25, Math.min(1000, stallMs / 4)))
    : undefined;

  /** Sends ERROR LIMIT and closes (within the connection's write timeout). */
  const refuse = (mc: MessageConnection, why: string) => {
    const done = mc.send(errorMessage("LIMIT", why)).catch(() => {}).finally(() => {
      mc.close();
      refusals.delete(done);
    });
    refusals.add(done);
  };

  const loop = (async () => {
    while (!closing) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (closing || err instanceof Deno.errors.BadResource) return;
        // Too many open files and the like: back off instead of dying.
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const host = (conn.remoteAddr as Deno.NetAddr).hostname;
      const mc = new MessageConnection(conn, {
        ...options.connection,
        maxFrameBytes: options.maxFrameBytes,
      });
      const admission = table.admit(host);
      if (!admission.admit) {
        refuse(
          mc,
          admission.reason === "full"
            ? options.fullMessage
            : `Too many connections from ${host} (limit ${options.maxConnectionsPerAddress})`,
        );
        continue;
      }
      if (admission.evict) refuse(admission.evict, options.evictMessage ?? options.fullMessage);
      // Deno's TLS connections have no socket options: Nagle stays on. Measured
      // on loopback: request/reply round trips whose reply is one write (a
      // message) or two (FILE and its bytes) see no Nagle delay.
      if (!options.tls) {
        try {
          (conn as Deno.TcpConn).setNoDelay(true);
          if (options.keepAlive) (conn as Deno.TcpConn).setKeepAlive(true);
        } catch { /* the socket is already gone */ }
      }
      const activity = table.add(mc, host);
      const local = (conn.localAddr as Deno.NetAddr).hostname;
      const done = handle(mc, host, local, activity).catch(() => {}).finally(() => {
        handlers.delete(mc);
        table.remove(mc);
      });
      handlers.set(mc, done);
    }
  })();

  return {
    addr: listener.addr as Deno.NetAddr,
    get connectionCount() {
      return handlers.size;
    },
    async stopAccepting() {
      if (!closing) {
        closing = true;
        clearInterval(watchdog);
        listener.close();
      }
      await loop;
    },
    closeAll() {
      for (const mc of handlers.keys()) mc.close();
    },
    async drained() {
      await Promise.all([...handlers.values(), ...refusals]);
    },
  };
}
