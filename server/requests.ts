/**
 * Answers to index requests (REGISTER, UNREGISTER, SEARCH, LOCATE, LIST) and the
 * limits they enforce. Functions over the IndexStore (whose large changes run
 * in time slices, hence the promise); no I/O.
 * @module
 */
import { chunkSizeFor } from "../shared/chunks.ts";
import { encodeMessageFrame } from "../shared/codec.ts";
import { FRAME_HEADER_BYTES } from "../shared/framing.ts";
import { ProtocolError } from "../shared/errors.ts";
import { isValidSharedName, MAX_NAME_CHARS } from "../shared/file_names.ts";
import {
  DEFAULT_SEARCH_LIMIT,
  type FileRecord,
  type Message,
  type MessageOf,
} from "../shared/protocol.ts";
import type { IndexNetwork } from "./index_network.ts";
import type { IndexStore } from "./index_store.ts";
import type { PeerEntry } from "./peer_entry.ts";
import type { SearchPage } from "./search.ts";
import { DEFAULT_VOCABULARY_PER_ADDRESS } from "./vocabulary.ts";
import { WorkBudget } from "./work_budget.ts";

/** Limits a server enforces on every session. */
export interface SessionLimits {
  /** Time allowed to send HELLO after connecting. */
  helloTimeoutMs: number;
  /** Files accepted in one REGISTER. */
  maxFilesPerRegister: number;
  /** Files one peer may share in all. */
  maxFilesPerPeer: number;
  /** Files all peers connected from one address may share together. */
  maxFilesPerAddress: number;
  /** Files the index holds in all. */
  maxFiles: number;
  /**
   * Variants (size and chunk root) of one content hash one peer may hold: an
   * honest peer computes one for all its copies of a content.
   */
  maxVariantsPerHash: number;
  /**
   * Characters of new words the records of one address may have in the
   * vocabulary (its general allowance; see vocabulary.ts).
   */
  maxVocabularyPerAddress: number;
  /** Longest description (keywords) in characters. */
  maxDescriptionChars: number;
  /** Longest query in characters. */
  maxQueryChars: number;
  /** Most results in one reply. */
  maxResults: number;
  /** Open connections the server accepts in all. */
  maxConnections: number;
  /** Open connections the server accepts from one address. */
  maxConnectionsPerAddress: number;
  /** A reply the client takes nothing of for this long closes its connection. */
  writeStallMs: number;
  /** Bytes of replies over 16 KiB waiting for their readers, in all (see reply_budget.ts). */
  maxHeldReplyBytes: number;
  /** The same, for the connections of one address together. */
  maxHeldReplyBytesPerAddress: number;
}

/** Defaults for SessionLimits. */
export const DEFAULT_LIMITS: SessionLimits = {
  helloTimeoutMs: 10_000,
  maxFilesPerRegister: 5_000,
  maxFilesPerPeer: 100_000,
  maxFilesPerAddress: 200_000,
  maxFiles: 2_000_000,
  maxVariantsPerHash: 2,
  maxVocabularyPerAddress: DEFAULT_VOCABULARY_PER_ADDRESS,
  maxDescriptionChars: 1_000,
  maxQueryChars: 500,
  maxResults: 1_000,
  maxConnections: 20_000,
  maxConnectionsPerAddress: 256,
  writeStallMs: 10_000,
  maxHeldReplyBytes: 64 * 1024 * 1024,
  maxHeldReplyBytesPerAddress: 8 * 1024 * 1024,
};

/** What the handlers need. */
export interface RequestContext {
  store: IndexStore;
  limits: SessionLimits;
  /** The network this server shares its index with, if any: told every change. */
  network?: IndexNetwork;
}

/**
 * Answers one request from a peer that has said HELLO: SEARCH, LOCATE and
 * LIST at once, REGISTER and UNREGISTER (which run in time slices) with a
 * promise. Throws (or rejects with) ProtocolError on a bad one. `replyChars`
 * caps the characters of a reply's results below the usual frame's worth:
 * when the server can hold only a small reply for this peer now, it does not
 * gather a big one to cut.
 *
 * @example
 * ```ts
 * const reply = await onRequest({ type: "SEARCH", query: "jazz" }, peer, { store, limits });
 * ```
 */
export function onRequest(
  msg: Message,
  peer: PeerEntry,
  ctx: RequestContext,
  replyChars = Infinity,
): Message | Promise<Message> {
  switch (msg.type) {
    case "REGISTER":
      return onRegister(msg, peer, ctx);
    case "UNREGISTER":
      return ctx.store.unregister(peer.id, msg.names).then((done) => {
        ctx.network?.removed(peer, msg.names);
        return { type: "UNREGISTERED", status: "ok", ...done };
      });
    case "SEARCH":
      return onSearch(msg, ctx, workBudget(replyChars));
    case "LOCATE": {
      const max = ctx.limits.maxResults;
      const budget = workBudget(replyChars);
      const results = ctx.store.locate(msg.sha256, max + 1, budget);
      const truncated = results.length > max || budget.out;
      return found({ results: results.slice(0, max), truncated }, msg.sha256);
    }
    case "LIST":
      return found(ctx.store.list(clampLimit(msg.limit, ctx), workBudget(replyChars)), "");
    default:
      throw new ProtocolError("BAD_STATE", `${msg.type} is not a request the index server answers`);
  }
}

async function onRegister(
  msg: MessageOf<"REGISTER">,
  peer: PeerEntry,
  ctx: RequestContext,
): Promise<Message> {
  const { limits, store } = ctx;
  if (msg.files.length > limits.maxFilesPerRegister) {
    throw new ProtocolError(
      "LIMIT",
      `REGISTER holds ${msg.files.length} files; the limit is ${limits.maxFilesPerRegister}`,
    );
  }
  for (const f of msg.files) checkRecord(f, limits);
  // Only names the peer does not share yet count: registering a file again replaces it.
  const fresh = store.newNames(peer, msg.files);
  if (peer.files.size + fresh > limits.maxFilesPerPeer) {
    throw new ProtocolError(
      "LIMIT",
      `A peer may share at most ${limits.maxFilesPerPeer} files (per-peer limit)`,
    );
  }
  if (store.filesFrom(peer.address) + fresh > limits.maxFilesPerAddress) {
    throw new ProtocolError(
      "LIMIT",
      `Peers at ${peer.address} may share at most ${limits.maxFilesPerAddress} files together (per-address limit)`,
    );
  }
  if (store.filesAndPromised + fresh > limits.maxFiles) {
    throw new ProtocolError(
      "LIMIT",
      `The index is full: it holds at most ${limits.maxFiles} files (total limit)`,
    );
  }
  const past = store.variantsPast(peer, msg.files, limits.maxVariantsPerHash);
  if (past !== null) {
    throw new ProtocolError(
      "LIMIT",
      `A peer may hold at most ${limits.maxVariantsPerHash} variants (size and chunk root) of one content hash; ${past} would have more`,
    );
  }
  // Counted for the address and the total before the first await: checks and counts stay in step.
  const done = await store.register(peer.id, msg.files, {
    vocabularyPerAddress: limits.maxVocabularyPerAddress,
  });
  ctx.network?.added(peer, msg.files.map((f) => f.name));
  return { type: "REGISTERED", status: "ok", ...done };
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
  if (f.chunkSize !== chunkSizeFor(f.size)) {
    throw new ProtocolError(
      "BAD_MESSAGE",
      `Chunk size of ${f.name} is ${f.chunkSize}; a file of ${f.size} bytes has chunks of ${
        chunkSizeFor(f.size)
      }`,
    );
  }
}

function onSearch(msg: MessageOf<"SEARCH">, ctx: RequestContext, budget: WorkBudget): Message {
  if (msg.query.length > ctx.limits.maxQueryChars) {
    throw new ProtocolError("LIMIT", `Query is longer than ${ctx.limits.maxQueryChars} characters`);
  }
  return found(ctx.store.search(msg.query, clampLimit(msg.limit, ctx), budget), msg.query);
}

/** One request's work budget, its reply characters capped at `replyChars`. */
function workBudget(replyChars: number): WorkBudget {
  const budget = new WorkBudget();
  if (replyChars < budget.replyChars) budget.replyChars = replyChars;
  return budget;
}

function clampLimit(limit: number | undefined, ctx: RequestContext): number {
  return Math.min(limit ?? DEFAULT_SEARCH_LIMIT, ctx.limits.maxResults);
}

/** FOUND, or NOT_FOUND when nothing matched (a request that ran out of budget first is FOUND, truncated). */
function found(page: SearchPage | null, query: string): Message {
  if (!page || (page.results.length === 0 && !page.truncated)) {
    return { type: "NOT_FOUND", status: "not_found", query };
  }
  return { type: "FOUND", status: "ok", results: page.results, truncated: page.truncated };
}

/**
 * Encodes a reply as one frame of at most `maxFrameBytes` of payload, dropping
 * search results from the end until it fits (at least half of them each time,
 * more when the reply is further over); one result is left as it is.
 */
export function fitReply(reply: Message, maxFrameBytes: number): Uint8Array {
  let frame = encodeMessageFrame(reply);
  let payload = frame.length - FRAME_HEADER_BYTES;
  while (payload > maxFrameBytes && reply.type === "FOUND" && reply.results.length > 1) {
    const n = reply.results.length;
    const keep = Math.max(1, Math.min(n >> 1, Math.floor(n * maxFrameBytes / payload)));
    reply = { ...reply, results: reply.results.slice(0, keep), truncated: true };
    frame = encodeMessageFrame(reply);
    payload = frame.length - FRAME_HEADER_BYTES;
  }
  return frame;
}
