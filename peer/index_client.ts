/**
 * A peer's connection to the index server: HELLO, then requests answered in
 * order. One reader loop takes every incoming message, so unsolicited ones
 * (such as a server going away) are noticed at once.
 * @module
 */
import { encodeMessage } from "../shared/codec.ts";
import { withDeadline } from "../shared/deadline.ts";
import { type CallerBinding, sayHello } from "../shared/handshake.ts";
import { ephemeralIdentity, type TlsIdentity } from "../net/tls_identity.ts";
import { MessageConnection } from "../shared/connection.ts";
import {
  AuthError,
  ConnectionClosedError,
  ProtocolError,
  remoteError,
  TimeoutError,
} from "../shared/errors.ts";
import {
  type FileRecord,
  type Message,
  type MessageOf,
  type MessageType,
  type SearchResult,
} from "../shared/protocol.ts";
import type { HostKeys } from "./host_key.ts";
import { dialIndex, type IndexChannel, type IndexConnector } from "./index_connector.ts";

/** Where the index server is. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** Options for IndexClient.connect. */
export interface IndexClientOptions {
  /** Port this peer serves files on; 0 for search-only clients. */
  port?: number;
  name?: string;
  /** Host other peers should dial, when not the address the server sees. */
  advertise?: string;
  /** Open networks: the file server's keys, to prove it answers (at `advertise`, or where seen). */
  hostKeys?: HostKeys;
  /** Time allowed for connecting and for each reply (default 10 s). */
  timeoutMs?: number;
  /** Private network secret. */
  secret?: string;
  /** Private networks: this peer's certificate for the handshake (default: one for this process). */
  identity?: TlsIdentity;
  /** How to reach the server (default: dialIndex, TLS on a private network). */
  connect?: IndexConnector;
}

/** Why the connection to the index server ended. */
export type CloseReason = "bye" | "shutdown" | "closed" | "timeout" | "error";

/** A page of search results; empty when the server said NOT_FOUND. */
export interface ResultPage {
  results: SearchResult[];
  truncated: boolean;
}

interface Pending {
  types: readonly MessageType[];
  resolve(msg: Message): void;
  reject(err: Error): void;
}

/** Payload budget for one REGISTER, well under the 1 MiB frame limit. */
const REGISTER_BATCH_BYTES = 512 * 1024;

/** A session with the index server. */
export class IndexClient {
  /** The peer ID the server gave this connection. */
  readonly peerId: number;
  /** Resolves, with the reason, when the connection has ended. */
  readonly closed: Promise<CloseReason>;
  /** The server's message when it announced SHUTDOWN. */
  shutdownMessage = "";
  /** Heartbeats answered so far. */
  pingsAnswered = 0;
  readonly #conn: MessageConnection;
  readonly #timeoutMs: number;
  readonly #silenceMs: number | undefined;
  readonly #pending: Pending[] = [];
  #reason: CloseReason = "closed";

  private constructor(
    conn: MessageConnection,
    peerId: number,
    timeoutMs: number,
    heartbeat?: number,
  ) {
    this.#conn = conn;
    this.peerId = peerId;
    this.#timeoutMs = timeoutMs;
    // A server that heartbeats but goes silent for 3.5 beats is gone.
    this.#silenceMs = heartbeat ? heartbeat * 3500 : undefined;
    this.closed = this.#readLoop();
  }

  /**
   * Connects to the server (through `options.connect`) and says HELLO.
   *
   * @example
   * ```ts
   * const client = await IndexClient.connect({ host: "10.0.0.2", port: 1234 }, { secret });
   * const { results } = await client.search("lecture notes");
   * await client.bye();
   * ```
   */
  static async connect(
    server: ServerAddress,
    options: IndexClientOptions = {},
  ): Promise<IndexClient> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const secret = options.secret || undefined;
    const connect = options.connect ?? dialIndex({ secret });
    let channel: IndexChannel;
    try {
      channel = await connect(server, timeoutMs);
    } catch (err) {
      if (err instanceof AuthError) throw err;
      throw new ConnectionClosedError(`Index server unreachable. ${(err as Error).message}`);
    }
    const conn = new MessageConnection(channel.stream);
    try {
      let binding: CallerBinding | undefined;
      if (secret) {
        if (!channel.serverFingerprint) throw new Error("A private network needs TLS");
        const identity = options.identity ?? await ephemeralIdentity();
        binding = { cert: identity.der, serverFingerprint: channel.serverFingerprint };
      }
      const { name, advertise: host, hostKeys } = options;
      const hostKey = options.port && !secret ? hostKeys?.issue() : undefined;
      const hello = { port: options.port ?? 0, name: name || undefined, host: host || undefined };
      const hi = await sayHello(conn, { ...hello, hostKey }, { secret, timeoutMs, binding })
        .finally(() => hostKey && hostKeys?.withdraw(hostKey));
      return new IndexClient(conn, hi.peerId, timeoutMs, hi.heartbeat);
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  /** Registers files, in as many REGISTER messages as their size needs. */
  async register(files: FileRecord[]): Promise<{ count: number; total: number }> {
    let count = 0;
    let total = 0;
    for (const batch of batches(files)) {
      const reply = await this.#request({ type: "REGISTER", files: batch }, ["REGISTERED"]);
      count += reply.count;
      total = reply.total;
    }
    return { count, total };
  }

  /** Removes files from the index by name. */
  async unregister(names: string[]): Promise<{ count: number; total: number }> {
    const reply = await this.#request({ type: "UNREGISTER", names }, ["UNREGISTERED"]);
    return { count: reply.count, total: reply.total };
  }

  /** Searches names and keywords. */
  async search(query: string, limit?: number): Promise<ResultPage> {
    const msg: Message = { type: "SEARCH", query };
    if (limit !== undefined) msg.limit = limit;
    return page(await this.#request(msg, ["FOUND", "NOT_FOUND"]));
  }

  /** All current holders of one content hash (its most held variant), or null. */
  async locate(sha256: string): Promise<SearchResult | null> {
    return (await this.variants(sha256))[0] ?? null;
  }

  /**
   * Every variant of one content hash (holders that disagree on its size or
   * chunk root are told apart), most holders first.
   */
  async variants(sha256: string): Promise<SearchResult[]> {
    const reply = await this.#request({ type: "LOCATE", sha256 }, ["FOUND", "NOT_FOUND"]);
    return reply.type === "FOUND" ? reply.results.filter((r) => r.sha256 === sha256) : [];
  }

  /** Files on the network. */
  async list(limit?: number): Promise<ResultPage> {
    const msg: Message = { type: "LIST" };
    if (limit !== undefined) msg.limit = limit;
    return page(await this.#request(msg, ["FOUND", "NOT_FOUND"]));
  }

  /** Says BYE, waits briefly for the answer, and closes. */
  async bye(): Promise<void> {
    if (this.#conn.closed) return;
    this.#reason = "bye";
    try {
      await this.#request({ type: "BYE" }, ["BYE"], Math.min(this.#timeoutMs, 2_000));
    } catch {
      // leaving anyway
    }
    this.close();
    await this.closed;
  }

  /** Closes the connection without BYE (the server notices at once). */
  close(): void {
    this.#conn.close();
  }

  #request<T extends MessageType>(
    msg: Message,
    types: readonly T[],
    timeoutMs = this.#timeoutMs,
  ): Promise<MessageOf<T>> {
    if (this.#conn.closed) {
      return Promise.reject(new ConnectionClosedError("Not connected to the index server"));
    }
    const reply = new Promise<Message>((resolve, reject) => {
      this.#pending.push({ types, resolve, reject });
      this.#conn.send(msg).catch((e) => this.#failAll(e));
    });
    return withDeadline(
      reply,
      timeoutMs,
      `The index server did not answer ${msg.type} within ${timeoutMs} ms`,
      () => this.close(), // replies would now be out of step
    ) as Promise<MessageOf<T>>;
  }

  async #readLoop(): Promise<CloseReason> {
    let failure: Error = new ConnectionClosedError("The index server closed the connection");
    try {
      for (;;) {
        const msg = await this.#conn.receive(this.#silenceMs);
        if (msg === null) break;
        if (msg.type === "PING") {
          this.#conn.send({ type: "PONG", status: "ok", seq: msg.seq }).catch(() => {});
          this.pingsAnswered++;
          continue;
        }
        if (msg.type === "SHUTDOWN") {
          this.#reason = "shutdown";
          this.shutdownMessage = msg.message;
          failure = new ConnectionClosedError(`The index server shut down: ${msg.message}`);
          break;
        }
        const next = this.#pending.shift();
        if (!next) {
          if (msg.type === "ERROR") failure = remoteError(msg);
          this.#reason = "error";
          break;
        }
        if (next.types.includes(msg.type)) next.resolve(msg);
        else if (msg.type === "ERROR") next.reject(remoteError(msg));
        else {next.reject(
            new ProtocolError("BAD_STATE", `Expected ${next.types.join(" or ")}, got ${msg.type}`),
          );}
      }
    } catch (err) {
      if (err instanceof TimeoutError) {
        this.#reason = "timeout";
        failure = new ConnectionClosedError("The index server stopped answering heartbeats");
      } else if (!this.#conn.closed) {
        this.#reason = "error";
        failure = err as Error;
      }
    } finally {
      this.#conn.close();
      this.#failAll(failure);
    }
    return this.#reason;
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.splice(0)) p.reject(err);
  }
}

function page(reply: MessageOf<"FOUND" | "NOT_FOUND">): ResultPage {
  return reply.type === "FOUND"
    ? { results: reply.results, truncated: reply.truncated }
    : { results: [], truncated: false };
}

function* batches(files: FileRecord[]): Generator<FileRecord[]> {
  let batch: FileRecord[] = [];
  let bytes = 0;
  for (const f of files) {
    const size = encodeMessage({ type: "REGISTER", files: [f] }).length;
    if (batch.length > 0 && (bytes + size > REGISTER_BATCH_BYTES || batch.length >= 1000)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(f);
    bytes += size;
  }
  if (batch.length > 0 || files.length === 0) yield batch;
}
