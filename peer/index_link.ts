/**
 * A sharing peer's lasting link to the index server: when the server goes
 * away (SHUTDOWN, closed socket, silence) the link reconnects with jittered
 * exponential backoff and registers the peer's files again. Uploads do not
 * depend on it and keep running meanwhile.
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
  readonly #server: ServerAddress;
  readonly #options: IndexLinkOptions;
  readonly #files: () => FileRecord[];
  readonly #log: (line: string) => void;
  #client: IndexClient | null;
  #closing = false;
  #wake: (() => void) | null = null;
  readonly #supervisor: Promise<void>;

  private constructor(
    server: ServerAddress,
    options: IndexLinkOptions,
    files: () => FileRecord[],
    client: IndexClient,
  ) {
    this.#server = server;
    this.#options = options;
    this.#files = files;
    this.#log = options.log ?? (() => {});
    this.#client = client;
    this.#supervisor = this.#supervise();
  }

  /** Connects and registers `files()` once; throws when the server cannot be reached now. */
  static async start(
    server: ServerAddress,
    options: IndexLinkOptions,
    files: () => FileRecord[],
  ): Promise<IndexLink> {
    // One connector for every reconnection: on a private network it keeps the certificate learnt.
    const opts = { ...options, connect: options.connect ?? dialIndex({ secret: options.secret }) };
    const client = await IndexLink.#join(server, opts, files());
    return new IndexLink(server, opts, files, client);
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
        const files = this.#files();
        const client = await IndexLink.#join(this.#server, this.#options, files);
        if (this.#closing) {
          await client.bye();
          return null;
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
