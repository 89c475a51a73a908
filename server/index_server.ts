/**
 * The index server: accepts TCP connections and runs one session per peer.
 * @module
 */
import { encodeMessageFrame } from "../shared/codec.ts";
import { connectionCap, openFileLimit } from "../net/open_files.ts";
import { serveTcp } from "../net/tcp_service.ts";
import { FRAME_HEADER_BYTES } from "../shared/framing.ts";
import type { TlsIdentity } from "../net/tls_identity.ts";
import { MAX_FRAME_BYTES } from "../shared/protocol.ts";
import { helloCheck, type HostCheck } from "./host_check.ts";
import type { IndexNetwork } from "./index_network.ts";
import { IndexStore } from "./index_store.ts";
import { ReplyBudget } from "./reply_budget.ts";
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
  /** Private network secret; peers must prove they know it. Needs `identity`. */
  secret?: string;
  /** The server's TLS identity, required with `secret` (connections are then TLS). */
  identity?: TlsIdentity;
  /** Where join/leave lines go (default: stdout). */
  log?: (line: string) => void;
  /** How a host named in HELLO is checked (default: helloCheck, a HELLO to the peer's file server). */
  checkHost?: HostCheck;
  /** The index to serve (default: a new, empty one). */
  store?: IndexStore;
  /** The network of servers sharing the index (default: none, this server's own index). */
  network?: IndexNetwork;
}

/** A running index server. */
export interface IndexServer {
  /** The address it listens on (with the real port when 0 was asked). */
  readonly addr: Deno.NetAddr;
  readonly store: IndexStore;
  /** Open connections, handshake or not. */
  readonly connectionCount: number;
  /** Bytes of replies over 16 KiB waiting for their readers (reply_budget.ts). */
  readonly heldReplyBytes: number;
  /** The limits in force (the options' over the defaults). */
  readonly limits: Readonly<SessionLimits>;
  /** Sends SHUTDOWN to every peer, stops accepting, closes every session and waits for them. */
  close(message?: string): Promise<void>;
}

/** Ticks per heartbeat interval; each tick pings one slot of the sessions. */
const HEARTBEAT_SLOTS = 20;

/** Default seconds between heartbeats. */
export const DEFAULT_HEARTBEAT_SECONDS = 10;

/**
 * Bytes one connection may have waiting to be sent beyond a whole frame
 * (PINGs, a closing ERROR); a session sends its next reply only once the last
 * one is written, so only a broken session would pass it.
 */
const QUEUE_SLACK_BYTES = 64 * 1024;

/**
 * Starts an index server. Throws when the address cannot be bound.
 *
 * @example
 * ```ts
 * const server = startIndexServer({ port: 0, secret, identity: await createIdentity() });
 * console.log(server.addr.port);
 * await server.close();
 * ```
 */
export function startIndexServer(options: IndexServerOptions = {}): IndexServer {
  const secret = options.secret || undefined;
  if (secret && !options.identity) throw new Error("A private index server needs a TLS identity");
  const store = options.store ?? new IndexStore();
  const network = options.network;
  // The default connection cap stays under the open-file limit (open_files.ts).
  const limits = {
    ...DEFAULT_LIMITS,
    maxConnections: connectionCap(DEFAULT_LIMITS.maxConnections, openFileLimit()),
    ...options.limits,
  };
  const maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  const ctx: SessionContext = {
    network,
    store,
    limits,
    heartbeatSeconds: options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    secret,
    fingerprint: secret ? options.identity?.fingerprint : undefined,
    log: options.log ?? ((line: string) => console.log(line)),
    checkHost: options.checkHost ?? helloCheck(),
    replies: new ReplyBudget({
      total: limits.maxHeldReplyBytes,
      perAddress: limits.maxHeldReplyBytesPerAddress,
    }),
  };
  const sessions = new Set<Session>();
  // Heartbeats are spread over the interval: session n is pinged in slot n mod
  // HEARTBEAT_SLOTS, one slot per tick. Pinging thousands of peers at once (and
  // taking all their PONGs at once) costs about twice the CPU of the same
  // pings spread out.
  const slots = Array.from({ length: HEARTBEAT_SLOTS }, () => new Set<Session>());
  if (network) {
    network.dropPeer = (id) => [...sessions].find((s) => s.peerId === id)?.drop();
  }
  let nextSlot = 0;
  const service = serveTcp({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port ?? 1234,
    maxConnections: ctx.limits.maxConnections,
    maxConnectionsPerAddress: ctx.limits.maxConnectionsPerAddress,
    maxFrameBytes,
    connection: { maxQueuedBytes: maxFrameBytes + FRAME_HEADER_BYTES + QUEUE_SLACK_BYTES },
    writeStallMs: ctx.limits.writeStallMs,
    keepAlive: true,
    fullMessage: `The server is full (${ctx.limits.maxConnections} connections)`,
    tls: secret ? options.identity : undefined,
  }, async (conn, host, local) => {
    const session = new Session(conn, host, ctx, local);
    const slot = slots[nextSlot++ % HEARTBEAT_SLOTS];
    sessions.add(session);
    slot.add(session);
    try {
      await session.run();
    } finally {
      sessions.delete(session);
      slot.delete(session);
    }
  });

  // One timer beats for every session (cheaper than a timer per peer).
  let beatSeq = 0;
  let tick = 0;
  const heartbeat = setInterval(() => {
    const seq = ++beatSeq;
    const ping = encodeMessageFrame({ type: "PING", seq });
    for (const session of slots[tick++ % HEARTBEAT_SLOTS]) session.beat(ping, seq);
  }, ctx.heartbeatSeconds * 1000 / HEARTBEAT_SLOTS);

  let closed = false;
  return {
    addr: service.addr,
    store,
    get connectionCount() {
      return service.connectionCount;
    },
    get heldReplyBytes() {
      return ctx.replies.held;
    },
    limits,
    async close(message = "The index server is shutting down") {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      await service.stopAccepting();
      await Promise.all([...sessions].map((s) => s.shutdown(message)));
      await service.drained();
      await network?.close(); // tells the other servers this one's peers are gone
    },
  };
}
