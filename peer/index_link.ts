/**
 * A sharing peer's lasting link to the index server: when the server goes
 * away (SHUTDOWN, closed socket, silence) the link reconnects with jittered
 * exponential backoff and registers the peer's files again. Uploads do not
 * depend on it and keep running meanwhile. Where to connect comes from a
 * function asked anew on every attempt (a fixed list, or what the LAN says
 * now), whose servers are tried in turn.
 * @module
 */
import { delay } from "../shared/deadline.ts";
import { ConnectionClosedError } from "../shared/errors.ts";
import type { FileRecord } from "../shared/protocol.ts";
import { plural } from "../shared/text.ts";
import { IndexClient, type IndexClientOptions, type ServerAddress } from "./index_client.ts";
import { dialIndex } from "./index_connector.ts";

/** Options for IndexLink.start. */
export interface IndexLinkOptions extends IndexClientOptions {
  /** First wait before reconnecting, doubled after each failure (default 1 s). */
  backoffInitialMs?: number;
  /** Longest wait between reconnection attempts (default 30 s). */
  backoffMaxMs?: number;
  /** Where status lines go (lost, reconnecting, back). */
  log?: (line: string) => void;
}

/**
 * The index servers to try, in order, asked before each connection attempt;
 * `last` is the server connected before (null at start), `signal` aborts
 * when the link closes.
 */
export type ServerCandidates = (
  last: ServerAddress | null,
  signal: AbortSignal,
) => ServerAddress[] | Promise<ServerAddress[]>;

/** Jittered exponential backoff: initial·2^attempt capped at max, times 0.8 to 1.2. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** A reconnecting connection to the index server. */
export class IndexLink {
  readonly #candidates: ServerCandidates;
  #server: ServerAddress;
  readonly #closer = new AbortController();
  readonly #options: IndexLinkOptions;
  readonly #files: () => FileRecord[];
  readonly #log: (line: string) => void;
  #client: IndexClient | null;
  #closing = false;
  #wake: (() => void) | null = null;
  readonly #supervisor: Promise<void>;

  private constructor(
    candidates: ServerCandidates,
    server: ServerAddress,
    options: IndexLinkOptions,
    files: () => FileRecord[],
    client: IndexClient,
  ) {
    this.#candidates = candidates;
    this.#server = server;
    this.#options = options;
    this.#files = files;
    this.#log = options.log ?? (() => {});
    this.#client = client;
    this.#supervisor = this.#supervise();
  }

  /**
   * Connects to the first of `servers` that answers and registers `files()`
   * once; throws when none can be reached now. `servers` is one address, or
   * the function asked again before every reconnection.
   */
  static async start(
    servers: ServerAddress | ServerCandidates,
    options: IndexLinkOptions,
    files: () => FileRecord[],
  ): Promise<IndexLink> {
    // One connector for every reconnection: on a private network it keeps the certificate learnt.
    const opts = { ...options, connect: options.connect ?? dialIndex({ secret: options.secret }) };
    const candidates = typeof servers === "function" ? servers : () => [servers];
    const list = await candidates(null, new AbortController().signal);
    const { client, server } = await IndexLink.#joinFirst(list, opts, files());
    return new IndexLink(candidates, server, opts, files, client);
  }
  /** Joins the first server of `list` that takes us; with none, throws the most telling error. */
  static async #joinFirst(
    list: ServerAddress[],
    options: IndexLinkOptions,
    files: FileRecord[],
  ): Promise<{ client: IndexClient; server: ServerAddress }> {
    const errors: Error[] = [];
    for (const server of list) {
      try {
        return { client: await IndexLink.#join(server, options, files), server };
      } catch (err) {
        errors.push(err as Error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length === 0) throw new ConnectionClosedError("No index server to connect to");
    // A server that answered and refused (wrong secret, version) says more than an unreachable one.
    const refusal = errors.find((e) => !(e instanceof ConnectionClosedError));
    if (refusal) throw refusal;
    throw new ConnectionClosedError(errors.map((e) => e.message).join("; "));
  }

  static async #join(
    server: ServerAddress,
    options: IndexLinkOptions,
    files: FileRecord[],
  ): Promise<IndexClient> {
    const client = await IndexClient.connect(server, options);
    try {
      if (options.port) await client.register(files);
      return client;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** The server connected now, or last. */
  get server(): ServerAddress {
    return this.#server;
  }

  /** Whether the index server is connected right now. */
  get connected(): boolean {
    return this.#client !== null;
  }

  /** The current peer ID (a new one after each reconnection); 0 while away. */
  get peerId(): number {
    return this.#client?.peerId ?? 0;
  }

  /** The current connection; throws ConnectionClosedError while the server is away. */
  get client(): IndexClient {
    if (!this.#client) {
      throw new ConnectionClosedError(
        "Not connected to the index server (it went away; reconnecting in the background)",
      );
    }
    return this.#client;
  }

  /** Says BYE and stops reconnecting. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#closer.abort();
    this.#wake?.();
    await this.#client?.bye();
    await this.#supervisor;
  }

  async #supervise(): Promise<void> {
    while (!this.#closing && this.#client) {
      const client = this.#client;
      const reason = await client.closed;
      if (this.#closing) return;
      this.#client = null;
      const why = reason === "shutdown" ? `shut down: ${client.shutdownMessage}` : reason;
      this.#log(`Lost the index server (${why}). Uploads go on; reconnecting in the background.`);
      this.#client = await this.#reconnect();
    }
  }

  async #reconnect(): Promise<IndexClient | null> {
    const initial = this.#options.backoffInitialMs ?? 1_000;
    const max = this.#options.backoffMaxMs ?? 30_000;
    for (let attempt = 0; !this.#closing; attempt++) {
      await this.#sleep(backoffDelay(attempt, initial, max));
      if (this.#closing) return null;
      try {
        const list = await this.#candidates(this.#server, this.#closer.signal);
        if (this.#closing) return null;
        const files = this.#files();
        const { client, server } = await IndexLink.#joinFirst(list, this.#options, files);
        if (this.#closing) {
          await client.bye();
          return null;
        }
        if (server.host !== this.#server.host || server.port !== this.#server.port) {
          this.#log(`The index server is now at ${server.host}:${server.port}.`);
          this.#server = server;
        }
        this.#log(
          `Reconnected to the index server as peer ${client.peerId}; registered ${
            plural(files.length, "file")
          }.`,
        );
        return client;
      } catch (err) {
        if (attempt === 0) {
          this.#log(
            `Index server still away (${(err as Error).message}); retrying with backoff up to ${
              max / 1000
            } s.`,
          );
        }
      }
    }
    return null;
  }

  #sleep(ms: number): Promise<void> {
    const woken = new Promise<void>((resolve) => this.#wake = resolve);
    return delay(ms, woken);
  }
}
