/**
 * One peer's conversation with the index server: handshake, requests, cleanup.
 * Works on a MessageConnection, so tests can drive it over in-memory pipes.
 * @module
 */
import { encodeMessage } from "../shared/codec.ts";
import { plural } from "../shared/text.ts";
import type { MessageConnection } from "../shared/connection.ts";
import { errorMessage, ProtocolError } from "../shared/errors.ts";
import { isValidSharedName, MAX_NAME_CHARS } from "../shared/file_names.ts";
import {
  DEFAULT_SEARCH_LIMIT,
  type FileRecord,
  type Message,
  type MessageOf,
  PROTOCOL_VERSION,
} from "../shared/protocol.ts";
import type { SearchPage } from "./index_store.ts";
import type { IndexStore, PeerEntry } from "./index_store.ts";

/** Limits a server enforces on every session. */
export interface SessionLimits {
  /** Time allowed to send HELLO after connecting. */
  helloTimeoutMs: number;
  /** Files accepted in one REGISTER. */
  maxFilesPerRegister: number;
  /** Files one peer may share in all. */
  maxFilesPerPeer: number;
  /** Longest description (keywords) in characters. */
  maxDescriptionChars: number;
  /** Longest query in characters. */
  maxQueryChars: number;
  /** Most results in one reply. */
  maxResults: number;
}

/** Defaults for SessionLimits. */
export const DEFAULT_LIMITS: SessionLimits = {
  helloTimeoutMs: 10_000,
  maxFilesPerRegister: 5_000,
  maxFilesPerPeer: 100_000,
  maxDescriptionChars: 1_000,
  maxQueryChars: 500,
  maxResults: 1_000,
};

/** What a session needs from its server. */
export interface SessionContext {
  store: IndexStore;
  limits: SessionLimits;
  /** Prints one line to the server's console. */
  log(line: string): void;
}

/** Why a session ended, as printed on the server's console. */
export type LeaveReason = "bye" | "closed" | "error" | "timeout" | "shutdown";

/** Runs one session to its end; never throws. `remoteHost` is the address the peer dialled from. */
export async function runSession(
  conn: MessageConnection,
  remoteHost: string,
  ctx: SessionContext,
): Promise<LeaveReason> {
  let peer: PeerEntry | null = null;
  let reason: LeaveReason = "closed";
  try {
    for (;;) {
      const msg = await conn.receive(peer ? undefined : ctx.limits.helloTimeoutMs);
      if (msg === null) break;
      if (peer === null) {
        peer = onHello(msg, remoteHost, ctx);
        if (peer.port > 0) {
          ctx.log(
            `+ ${describe(peer)} joined; ${
              plural(ctx.store.sharingPeerCount, "peer")
            } on the network`,
          );
        }
        await conn.send({ type: "HI", status: "ok", peerId: peer.id });
        continue;
      }
      if (msg.type === "BYE") {
        reason = "bye";
        await conn.send({ type: "BYE", status: "ok" }).catch(() => {});
        break;
      }
      await conn.sendPayload(fitReply(onRequest(msg, peer, ctx), conn.maxFrameBytes));
    }
  } catch (err) {
    reason = err instanceof Error && err.name === "TimeoutError" ? "timeout" : "error";
    if (err instanceof ProtocolError) {
      await conn.send(errorMessage(err.code, err.message)).catch(() => {});
    }
  } finally {
    conn.close();
    if (peer) {
      ctx.store.removePeer(peer.id);
      if (peer.port > 0) {
        ctx.log(
          `- ${describe(peer)} left (${reason}); ${
            plural(ctx.store.sharingPeerCount, "peer")
          } on the network`,
        );
      }
    }
  }
  return reason;
}

function onHello(msg: Message, remoteHost: string, ctx: SessionContext): PeerEntry {
  if (msg.type !== "HELLO") throw new ProtocolError("BAD_STATE", `Expected HELLO, got ${msg.type}`);
  if (msg.version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      "VERSION",
      `Protocol version ${msg.version} is not supported (this server speaks ${PROTOCOL_VERSION})`,
    );
  }
  if (msg.port > 65535) throw new ProtocolError("BAD_MESSAGE", `Port ${msg.port} is out of range`);
  const name = (msg.name ?? "").slice(0, 64).replace(/[^\p{L}\p{N} _.-]/gu, "");
  const host = msg.host && /^[\w.:-]{1,255}$/.test(msg.host) ? msg.host : remoteHost;
  return ctx.store.addPeer({ host, port: msg.port, name });
}

/** Answers one request from a peer that has said HELLO. */
function onRequest(msg: Message, peer: PeerEntry, ctx: SessionContext): Message {
  switch (msg.type) {
    case "REGISTER":
      return onRegister(msg, peer, ctx);
    case "UNREGISTER":
      return { type: "UNREGISTERED", status: "ok", ...ctx.store.unregister(peer.id, msg.names) };
    case "SEARCH":
      return onSearch(msg, ctx);
    case "LOCATE": {
      const result = ctx.store.locate(msg.sha256);
      return found(result ? { results: [result], truncated: false } : null, msg.sha256);
    }
    case "LIST":
      return found(ctx.store.list(clampLimit(msg.limit, ctx)), "");
    default:
      throw new ProtocolError("BAD_STATE", `${msg.type} is not a request the index server answers`);
  }
}

function onRegister(msg: MessageOf<"REGISTER">, peer: PeerEntry, ctx: SessionContext): Message {
  const { limits } = ctx;
  if (msg.files.length > limits.maxFilesPerRegister) {
    throw new ProtocolError(
      "LIMIT",
      `REGISTER holds ${msg.files.length} files; the limit is ${limits.maxFilesPerRegister}`,
    );
  }
  if (peer.files.size + msg.files.length > limits.maxFilesPerPeer) {
    throw new ProtocolError("LIMIT", `A peer may share at most ${limits.maxFilesPerPeer} files`);
  }
  for (const f of msg.files) checkRecord(f, limits);
  return { type: "REGISTERED", status: "ok", ...ctx.store.register(peer.id, msg.files) };
}

function checkRecord(f: FileRecord, limits: SessionLimits): void {
  if (!isValidSharedName(f.name)) {
    throw new ProtocolError(
      "BAD_MESSAGE",
      `File name ${
        JSON.stringify(f.name.slice(0, 80))
      } is not a valid relative name (at most ${MAX_NAME_CHARS} characters)`,
    );
  }
  if (f.description.length > limits.maxDescriptionChars) {
    throw new ProtocolError(
      "LIMIT",
      `Description of ${f.name} is longer than ${limits.maxDescriptionChars} characters`,
    );
  }
  if (f.type.length > 64) {
    throw new ProtocolError("LIMIT", `Type of ${f.name} is longer than 64 characters`);
  }
}

function onSearch(msg: MessageOf<"SEARCH">, ctx: SessionContext): Message {
  if (msg.query.length > ctx.limits.maxQueryChars) {
    throw new ProtocolError("LIMIT", `Query is longer than ${ctx.limits.maxQueryChars} characters`);
  }
  return found(ctx.store.search(msg.query, clampLimit(msg.limit, ctx)), msg.query);
}

function clampLimit(limit: number | undefined, ctx: SessionContext): number {
  return Math.min(limit ?? DEFAULT_SEARCH_LIMIT, ctx.limits.maxResults);
}

function found(page: SearchPage | null, query: string): Message {
  if (!page || page.results.length === 0) return { type: "NOT_FOUND", status: "not_found", query };
  return { type: "FOUND", status: "ok", results: page.results, truncated: page.truncated };
}

/** Encodes a reply, dropping search results from the end until it fits in one frame. */
function fitReply(reply: Message, maxFrameBytes: number): Uint8Array {
  let payload = encodeMessage(reply);
  while (payload.length > maxFrameBytes && reply.type === "FOUND" && reply.results.length > 1) {
    reply = {
      ...reply,
      results: reply.results.slice(0, reply.results.length >> 1),
      truncated: true,
    };
    payload = encodeMessage(reply);
  }
  return payload;
}

function describe(peer: PeerEntry): string {
  const name = peer.name ? ` (${peer.name})` : "";
  return `peer ${peer.id}${name} at ${peer.host}:${peer.port}`;
}
