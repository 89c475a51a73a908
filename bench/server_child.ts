/**
 * Benchmark helper: an index server process as `swapmeet server` starts it,
 * with the file limits per address and in all raised, for figures that load
 * one index from one address (figure 4: a million files from 127.0.0.1).
 * With a Redis URL, it joins that network of servers (figure 10).
 * Prints "listening on HOST:PORT" and serves until killed.
 * Usage: deno run -A bench/server_child.ts PORT MAX_CONNECTIONS_PER_ADDRESS [REDIS_URL NETWORK]
 * @module
 */
import { parseRedisUrl } from "../net/redis_client.ts";
import { startIndexServer } from "../server/index_server.ts";
import { VOCABULARY_LIMITS } from "../server/vocabulary.ts";
import { IndexStore } from "../server/index_store.ts";
import { joinRedisNetwork } from "../server/join_network.ts";

const [port, perAddress] = Deno.args.map(Number);
const [redisUrl, network] = Deno.args.slice(2);
const store = new IndexStore();
const log = (line: string) => console.error(line);
const joined = redisUrl
  ? await joinRedisNetwork({
    redis: parseRedisUrl(redisUrl),
    network,
    store,
    heartbeatSeconds: 10,
    log,
  })
  : undefined;
const server = startIndexServer({
  hostname: "127.0.0.1",
  port,
  store,
  network: joined,
  log: redisUrl ? () => {} : undefined,
  limits: {
    maxConnectionsPerAddress: perAddress,
    maxFilesPerAddress: 100_000_000,
    maxFiles: 100_000_000,
    // One loader stands in for many peers' addresses: it may bring the whole vocabulary.
    maxVocabularyPerAddress: VOCABULARY_LIMITS.total,
  },
});
console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
