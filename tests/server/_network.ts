/**
 * Index servers in process on a network of a test's redis-server, and what
 * the Redis tests compare.
 * @module
 */
import type { SharedRecord } from "../../server/changes.ts";
import { startIndexServer } from "../../server/index_server.ts";
import { IndexStore } from "../../server/index_store.ts";
import { joinRedisNetwork } from "../../server/join_network.ts";
import type { RedisNetwork } from "../../server/redis_network.ts";
import type { PeerState } from "../../server/replica.ts";
import { IndexClient } from "../../peer/index_client.ts";
import type { TestRedis } from "../_redis.ts";

/** An index server in process on a network of `redis`, heartbeat 1 s (presence lives 1 s). */
export async function netServer(redis: TestRedis, network: string) {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const store = new IndexStore();
  const net = await joinRedisNetwork({
    redis: redis.target,
    network,
    store,
    heartbeatSeconds: 1,
    log,
  }) as RedisNetwork;
  const server = startIndexServer({
    hostname: "127.0.0.1",
    port: 0,
    store,
    network: net,
    heartbeatSeconds: 1,
    log,
  });
  return {
    net,
    store,
    lines,
    address: { host: "127.0.0.1", port: server.addr.port },
    async [Symbol.asyncDispose]() {
      await server.close();
    },
  };
}

export type NetServer = Awaited<ReturnType<typeof netServer>>;

/** Peers with their files by name; `times` keeps when each was shared. */
export function canonical(state: Map<number, PeerState>, times = true) {
  return [...state].filter(([, p]) => p.info.port > 0).sort(([a], [b]) => a - b).map((
    [id, p],
  ) => ({
    id,
    info: p.info,
    files: [...p.files.values()].sort((a, b) => a.name.localeCompare(b.name))
      .map((f) => times ? f : { ...f, sharedAt: 0 } as SharedRecord),
  }));
}

export async function finds(server: NetServer, query: string): Promise<number[]> {
  const client = await IndexClient.connect(server.address, {});
  try {
    const page = await client.search(query);
    return page.results.flatMap((r) => r.peers.map((p) => p.id));
  } finally {
    await client.bye();
  }
}
