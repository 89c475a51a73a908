/**
 * One peer's conversation with the index server: handshake, requests,
 * heartbeats, shutdown notice, cleanup. Works on a MessageConnection, so
 * tests can drive it over in-memory pipes.
 * @module
 */
import type { MessageConnection } from "../shared/connection.ts";
import { errorMessage, ProtocolError, TimeoutError } from "../shared/errors.ts";
import { withDeadline } from "../shared/deadline.ts";
import { FRAME_HEADER_BYTES } from "../shared/framing.ts";
import { acceptHello } from "../shared/handshake.ts";
import type { Message } from "../shared/protocol.ts";
import { plural } from "../shared/text.ts";
import type { HostCheck } from "./host_check.ts";
import { isLoopback, reachableFrom } from "./host_check.ts";
import { hostToGiveOut } from "./host_to_give_out.ts";
import type { PeerEntry } from "./peer_entry.ts";
import { type ReplyBudget, SMALL_REPLY_BYTES } from "./reply_budget.ts";
import { fitReply, onRequest, type RequestContext } from "./requests.ts";

/** What a session needs from its server. */
export interface SessionContext extends RequestContext {
  /** Seconds between PINGs; a peer silent for 3 of them is dropped. */
  heartbeatSeconds: number;
  /** Private network secret; none for an open network. */
  secret?: string;
  /** Private networks: SHA-256 (hex) of the certificate this server presents in TLS. */
  fingerprint?: string;
  /**
   * Checks that a peer's file server answers at the host its HELLO names
   * (default: host_check.ts helloCheck); until it does, the index gives out
   * the address the peer connected from.
   */
  checkHost: HostCheck;
  /** Prints one line to the server's console. */
  log(line: string): void;
  /** Bytes of large replies waiting for their readers, shared by every session. */
  replies: ReplyBudget;
}

/** Why a session ended, as printed on the server's console. */
export type LeaveReason = "bye" | "closed" | "error" | "timeout" | "shutdown";

/** Heartbeats a peer may miss before it is dropped. */
export const MISSED_HEARTBEATS = 3;

/** One connection to the index server. */
export class Session {
  readonly #conn: MessageConnection;
  readonly #remoteHost: string;
  readonly #ctx: SessionContext;
  /** For a requester on another machine: the server's address it used (see the constructor). */
  readonly #serverHost: string | null;
  #peer: PeerEntry | null = null;
  #reason: LeaveReason = "closed";
  #lastHeard = Date.now();
  #pingSeq = 0;
  #pingSentAt = 0;
  /** Bytes of the reply being sent counted in ctx.replies (0: none, or a small one). */
  #held = 0;
  /** Made once: a failed PING write closes the connection. */
  readonly #closeConn = () => this.#conn.close();

  /**
   * `localHost` is the address this connection reached the server at: a
   * requester on another machine is told it for holders on the server's own
   * machine (registered with a loopback address, which would mean the
   * requester's own machine).
   */
  constructor(
    conn: MessageConnection,
    remoteHost: string,
    ctx: SessionContext,
    localHost?: string,
  ) {
    this.#conn = conn;
    this.#remoteHost = remoteHost;
    this.#ctx = ctx;
    this.#serverHost = localHost && !isLoopback(remoteHost) && !isLoopback(localHost)
      ? localHost
      : null;
  }

  /** Runs the session to its end; never throws. */
  async run(): Promise<LeaveReason> {
    const conn = this.#conn;
    const ctx = this.#ctx;
    try {
      const hello = await acceptHello(conn, {
        secret: ctx.secret,
        fingerprint: ctx.fingerprint,
        timeoutMs: ctx.limits.helloTimeoutMs,
      });
      if (hello.port > 65535) {
        throw new ProtocolError("BAD_MESSAGE", `Port ${hello.port} is out of range`);
      }
      const name = (hello.name ?? "").slice(0, 64).replace(/[^\p{L}\p{N} _.-]/gu, "");
      const address = this.#remoteHost;
      // On a private network the certificate was bound by the proofs: downloaders pin it.
      const cert = ctx.secret && hello.port > 0 ? hello.cert : undefined;
      const { host, proven } = await hostToGiveOut({
        seen: this.#remoteHost,
        claimed: hello.host,
        port: hello.port,
        cert,
        key: hello.hostKey,
        check: ctx.checkHost,
        log: ctx.log,
      });
      const id = await ctx.network?.newPeerId();
      const peer = this.#peer = ctx.store.addPeer({
        id,
        host,
        port: hello.port,
        name,
        address,
        cert,
        unproven: hello.port > 0 && !proven ? true : undefined,
      });
      ctx.network?.joined(peer);
      if (peer.port > 0) {
        const unproven = peer.unproven ? " (its file server did not answer: listed last)" : "";
        ctx.log(`+ ${describe(peer)} joined${unproven}; ${this.#census()}`);
      }
      await conn.send({
        type: "HI",
        status: "ok",
        peerId: peer.id,
        heartbeat: ctx.heartbeatSeconds,
      });
      this.#lastHeard = Date.now();
      for (;;) {
        const msg = await conn.receive();
        if (msg === null) break;
        this.#lastHeard = Date.now();
        if (msg.type === "PONG") {
          if (msg.seq === this.#pingSeq) peer.rttMs = Date.now() - this.#pingSentAt;
          continue;
        }
        if (msg.type === "BYE") {
          this.#reason = "bye";
          await conn.send({ type: "BYE", status: "ok" }).catch(() => {});
          break;
        }
        // Only synchronous work counts: while this session awaits, others run.
        const pacer = ctx.store.pacer;
        let started = performance.now();
        for (let turn = pacer.ready(started); turn; turn = pacer.ready(started)) {
          await turn;
          started = performance.now();
        }
        // SEARCH, LOCATE and LIST: answered here, no bigger than the reply budget can hold.
        let reply = onRequest(msg, peer, ctx, ctx.replies.room(this.#remoteHost));
        if (reply instanceof Promise) {
          pacer.spent(started);
          reply = await reply;
          started = performance.now();
        }
        if (this.#serverHost !== null) reply = reachableFrom(reply, this.#serverHost);
        let frame = fitReply(reply, conn.maxFrameBytes);
        if (frame.length > SMALL_REPLY_BYTES) frame = this.#hold(reply, frame);
        // The next request is read only once this reply is written: one reply waits at most.
        const sent = conn.sendFrame(frame);
        pacer.spent(started);
        await sent;
        this.#release();
      }
    } catch (err) {
      if (this.#reason === "closed") {
        this.#reason = err instanceof TimeoutError ? "timeout" : "error";
      }
      if (err instanceof ProtocolError) {
        await conn.send(errorMessage(err.code, err.message)).catch(() => {});
      }
    } finally {
      this.#release();
      conn.close();
      const peer = this.#peer;
      if (peer && this.#reason === "shutdown") {
        // The whole index goes with the server: removing a big share first would only delay it.
        if (peer.port > 0) ctx.log(`- ${describe(peer)} left (shutdown)`);
      } else if (peer) {
        await ctx.store.removePeer(peer.id);
        ctx.network?.left(peer.id);
        if (peer.port > 0) ctx.log(`- ${describe(peer)} left (${this.#reason}); ${this.#census()}`);
      }
    }
    return this.#reason;
  }

  /**
   * Counts a large reply in the server's reply budget, first cut (FOUND,
   * truncated) to the room its address has left there.
   */
  #hold(reply: Message, frame: Uint8Array): Uint8Array {
    const budget = this.#ctx.replies;
    const room = budget.room(this.#remoteHost);
    if (frame.length > room) frame = fitReply(reply, room - FRAME_HEADER_BYTES);
    budget.take(this.#remoteHost, frame.length);
    this.#held = frame.length;
    return frame;
  }

  /** Gives back what #hold counted, once the reply is written (or failed). */
  #release(): void {
    if (this.#held === 0) return;
    this.#ctx.replies.give(this.#remoteHost, this.#held);
    this.#held = 0;
  }

  /** The peer's ID, once it said HELLO. */
  get peerId(): number | undefined {
    return this.#peer?.id;
  }

  /** Drops the connection (the session then ends as "error"). */
  drop(): void {
    this.#reason = "error";
    this.#conn.close();
  }

  /** Tells the peer the server is going away (when past the handshake) and closes. */
  async shutdown(message: string): Promise<void> {
    this.#reason = "shutdown";
    if (this.#peer) {
      // A peer that does not read gets one second, not a hung shutdown.
      await withDeadline(
        this.#conn.send({ type: "SHUTDOWN", status: "ok", message }),
        1000,
        "SHUTDOWN not taken within 1 s",
      ).catch(() => {});
    }
    this.#conn.close();
  }

  /**
   * Called by the server once per heartbeat interval with that beat's PING
   * frame (encoded once for all peers): drops a peer silent for 3 intervals,
   * otherwise sends the PING. Does nothing before HI.
   */
  beat(ping: Uint8Array, seq: number): void {
    if (!this.#peer) return;
    const silentMs = Date.now() - this.#lastHeard;
    if (silentMs > MISSED_HEARTBEATS * this.#ctx.heartbeatSeconds * 1000) {
      this.#reason = "timeout";
      this.#conn.close();
      return;
    }
    this.#pingSentAt = Date.now();
    this.#pingSeq = seq;
    this.#conn.writeRaw(ping).catch(this.#closeConn);
  }

  #census(): string {
    return `${plural(this.#ctx.store.sharingPeerCount, "peer")} on the network`;
  }
}

function describe(peer: PeerEntry): string {
  const name = peer.name ? ` (${peer.name})` : "";
  return `peer ${peer.id}${name} at ${peer.host}:${peer.port}`;
}
