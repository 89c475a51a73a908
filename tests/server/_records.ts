/**
 * File records and an in-memory session for the index server's unit tests.
 * @module
 */
import { chunkSizeFor } from "../../shared/chunks.ts";
import { MessageConnection } from "../../shared/connection.ts";
import type { FileRecord } from "../../shared/protocol.ts";
import { IndexStore } from "../../server/index_store.ts";
import { ReplyBudget } from "../../server/reply_budget.ts";
import { DEFAULT_LIMITS, type SessionLimits } from "../../server/requests.ts";
import { type LeaveReason, Session, type SessionContext } from "../../server/session.ts";
import { pipePair } from "../_pipes.ts";

/** A 64-hex value from a seed. */
export function hex(seed: string): string {
  let h = 0x811c9dc5;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0).toString(16).padStart(8, "0").repeat(8);
}

/** A valid record: its content (sha256, size, chunk root) follows from `content`. */
export function record(
  name: string,
  options: { description?: string; content?: string; size?: number; root?: string } = {},
): FileRecord {
  const content = options.content ?? name;
  const size = options.size ?? content.length;
  return {
    name,
    type: name.split(".").pop() ?? "file",
    size,
    mtime: 0,
    sha256: hex(content),
    description: options.description ?? "",
    chunkSize: chunkSizeFor(size),
    chunkRoot: options.root ?? hex(`root of ${content}`),
  };
}

/** One Session over in-memory pipes, its store and log, and the client end of the pipe. */
export interface PipeSession extends AsyncDisposable {
  store: IndexStore;
  client: MessageConnection;
  log: string[];
  /** Resolves with the session's end. */
  ended: Promise<LeaveReason>;
}

/** Starts a Session over in-memory pipes, as if a peer connected from `from`. */
export function pipeSession(
  options: {
    from?: string;
    /** The server's address the connection came in at. */
    at?: string;
    store?: IndexStore;
    limits?: Partial<SessionLimits>;
    checkHost?: SessionContext["checkHost"];
  } = {},
): PipeSession {
  const [serverEnd, clientEnd] = pipePair();
  const store = options.store ?? new IndexStore();
  const log: string[] = [];
  const ctx: SessionContext = {
    store,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    heartbeatSeconds: 10,
    checkHost: options.checkHost ?? (() => Promise.reject(new Error("no check in this test"))),
    log: (line) => log.push(line),
    replies: new ReplyBudget({ total: 64 << 20, perAddress: 8 << 20 }),
  };
  const session = new Session(
    new MessageConnection(serverEnd),
    options.from ?? "10.0.0.9",
    ctx,
    options.at,
  );
  const ended = session.run();
  const client = new MessageConnection(clientEnd);
  return {
    store,
    client,
    log,
    ended,
    async [Symbol.asyncDispose]() {
      client.close();
      await ended;
    },
  };
}
