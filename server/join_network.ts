/**
 * Joining a network of index servers that share one index through Redis
 * (redis_network.ts): connects, builds this server's copy, keeps it.
 * Loaded only by a server given --redis.
 * @module
 */
import {
  connectRedis,
  describeRedis,
  type RedisConnection,
  type RedisTarget,
} from "../net/redis_client.ts";
import { SwapmeetError } from "../shared/errors.ts";
import type { IndexStore } from "./index_store.ts";
import { RedisNetwork } from "./redis_network.ts";
import { networkKeys } from "./redis_scripts.ts";
import { Replica } from "./replica.ts";

/** Options for joinRedisNetwork. */
export interface RedisNetworkOptions {
  redis: RedisTarget;
  /** The network's name: servers with the same Redis and name share one index. */
  network: string;
  /** The index to fill and keep (the server's). */
  store: IndexStore;
  /** The server's heartbeat: its presence lives this long unless refreshed (every quarter). */
  heartbeatSeconds: number;
  log(line: string): void;
}

/**
 * Connects to Redis and builds the server's copy of the network's index
 * before it serves anyone; throws SwapmeetError (one line) when Redis
 * cannot be reached.
 *
 * @example
 * ```ts
 * const store = new IndexStore();
 * const network = await joinRedisNetwork({ redis, network: "campus", store, heartbeatSeconds: 10, log });
 * const server = startIndexServer({ store, network });
 * ```
 */
export async function joinRedisNetwork(options: RedisNetworkOptions): Promise<RedisNetwork> {
  const ttl = options.heartbeatSeconds * 1000;
  const redis = await connectRedis(options.redis, { retryMaxMs: Math.min(1_000, ttl / 4) });
  let feed: RedisConnection;
  try {
    feed = await connectRedis(options.redis, { commandTimeoutMs: 10_000 });
  } catch (err) {
    await redis.close();
    throw err;
  }
  const network = new RedisNetwork({
    redis,
    feed,
    keys: networkKeys(options.network),
    replica: new Replica(options.store, crypto.randomUUID().replaceAll("-", "").slice(0, 16)),
    presenceTtlMs: ttl,
    where: describeRedis(options.redis),
    log: options.log,
  });
  try {
    await network.start();
  } catch (err) {
    await network.close();
    throw err instanceof SwapmeetError ? err : new SwapmeetError(
      `Cannot join network "${options.network}" on Redis at ${describeRedis(options.redis)}: ${
        (err as Error).message
      }`,
    );
  }
  return network;
}
