/**
 * Connections to Redis, for index servers that share one index
 * (server/redis_network.ts), through `ioredis`: loaded on the first
 * connection, so that nothing else pays for it. With dial.ts, tcp_service.ts
 * and mdns.ts, the only place that opens sockets. Commands fail at once
 * while Redis is away (nothing queues up in memory); the connection comes
 * back by itself, and says so.
 * @module
 */
import type { Redis } from "ioredis";
import { SwapmeetError } from "../shared/errors.ts";
import { delay } from "../shared/deadline.ts";

/** Where a Redis server is. */
export interface RedisTarget {
  host: string;
  port: number;
  /** Database number (SELECT). */
  db: number;
  password?: string;
}

/** Redis's default port. */
export const REDIS_PORT = 6379;

/**
 * Parses `redis://[:PASSWORD@]HOST[:PORT][/DB]`; SwapmeetError saying what
 * is wrong otherwise.
 *
 * @example
 * ```ts
 * parseRedisUrl("redis://10.0.0.5:6379/2"); // { host: "10.0.0.5", port: 6379, db: 2 }
 * ```
 */
export function parseRedisUrl(text: string): RedisTarget {
  const wrong = (why: string) =>
    new SwapmeetError(
      `Redis address must look like redis://HOST:PORT[/DB], got "${text}" (${why})`,
    );
  if (!/^redis:\/\//i.test(text)) throw wrong("it must start with redis://");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw wrong("not a URL");
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw wrong("no host");
  const db = url.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d{1,5}$/.test(db)) throw wrong("the database must be a number");
  if (url.search || url.hash || url.username) throw wrong("only a password may come before @");
  const target: RedisTarget = {
    host,
    port: url.port === "" ? REDIS_PORT : Number(url.port),
    db: db === "" ? 0 : Number(db),
  };
  if (url.password) target.password = decodeURIComponent(url.password);
  return target;
}

/** `HOST:PORT` (and `/DB` when not 0), for messages; never the password. */
export function describeRedis(t: RedisTarget): string {
  const host = t.host.includes(":") ? `[${t.host}]` : t.host;
  return `${host}:${t.port}${t.db ? `/${t.db}` : ""}`;
}

/** A command or script argument. */
export type RedisArg = string | number;

/** One connection to Redis. */
export interface RedisConnection {
  /** Runs one command. */
  call(command: string, ...args: RedisArg[]): Promise<unknown>;
  /** Runs a Lua script (EVAL: nothing to reload after Redis restarted). */
  eval(script: string, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown>;
  /**
   * Sends commands in one round trip; gives each one's result or Error.
   * Rejects when the connection fails.
   */
  batch(commands: readonly RedisArg[][]): Promise<unknown[]>;
  /** Whether connected now. */
  readonly up: boolean;
  /** Called when the connection is lost (with why) and when it is back. */
  onChange(listener: (up: boolean, why: string) => void): void;
  /** Disconnects (a blocking command under way fails) and waits until it is closed. */
  close(): Promise<void>;
}

/** Options for connectRedis. */
export interface RedisOptions {
  /** Longest wait for the first connection, and for each later one. */
  connectTimeoutMs?: number;
  /** Longest wait for any reply (a blocking read must ask for less). */
  commandTimeoutMs?: number;
  /** Longest wait between attempts to get a lost connection back (default 1 s). */
  retryMaxMs?: number;
}

/**
 * Connects to Redis; throws SwapmeetError with one line (`Cannot reach
 * Redis at HOST:PORT: …`) when that fails. Once connected, a lost
 * connection is retried forever (every 0.2 s, then up to `retryMaxMs`).
 *
 * @example
 * ```ts
 * const redis = await connectRedis(parseRedisUrl("redis://127.0.0.1:6379"));
 * await redis.call("PING");
 * await redis.close();
 * ```
 */
export async function connectRedis(
  target: RedisTarget,
  options: RedisOptions = {},
): Promise<RedisConnection> {
  const { Redis } = await import("ioredis");
  let ready = false;
  let lastError = "";
  const retryMaxMs = options.retryMaxMs ?? 1_000;
  const client: Redis = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    password: target.password,
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 10_000,
    // Before the first connection, one attempt: the caller says it failed.
    retryStrategy: (times: number) => ready ? Math.min(200 * times, retryMaxMs) : null,
  });
  const listeners: ((up: boolean, why: string) => void)[] = [];
  let up = false;
  client.on("error", (err: Error) => lastError = err.message);
  client.on("ready", () => {
    if (up) return;
    up = true;
    for (const l of listeners) l(true, "");
  });
  client.on("close", () => {
    if (!up) return;
    up = false;
    for (const l of listeners) l(false, lastError || "connection closed");
  });
  try {
    await client.connect();
  } catch (err) {
    throw new SwapmeetError(
      `Cannot reach Redis at ${describeRedis(target)}: ${lastError || (err as Error).message}`,
    );
  }
  ready = true;
  up = true;
  // A command failing because the connection is down says why it is down.
  // (ioredis words a command refused on a dropped connection after its own options.)
  const failed = (err: Error): never => {
    const dropped = !up || err.name === "MaxRetriesPerRequestError" ||
      /max retries per request|Connection is closed/i.test(err.message);
    throw new SwapmeetError(
      dropped ? `connection lost: ${lastError || "closed"}` : err.message.split("\n")[0],
    );
  };
  return {
    call: (command, ...args) => client.call(command, ...args).catch(failed),
    eval: (script, keys, args) =>
      client.call("EVAL", script, keys.length, ...keys, ...args).catch(failed),
    async batch(commands) {
      const pipeline = client.pipeline();
      for (const [command, ...args] of commands) pipeline.call(String(command), ...args);
      const replies = await pipeline.exec().catch(failed);
      if (!replies) throw new SwapmeetError("Redis pipeline was not run");
      return replies.map(([err, result]) => err ?? result);
    },
    get up() {
      return up;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async close() {
      if (client.status === "end") return;
      const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
      client.disconnect();
      await delay(2_000, ended);
    },
  };
}
