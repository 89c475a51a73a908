/**
 * Benchmark helper: an index server process as `swapmeet server` starts it,
 * with the file limits per address and in all, and the vocabulary one address
 * may bring, raised, for figures that load one index from one address (figure
 * 4: a million files from 127.0.0.1, as if from as many peers' addresses).
 * Prints "listening on HOST:PORT" and serves until killed.
 * Usage: deno run -A bench/server_child.ts PORT MAX_CONNECTIONS_PER_ADDRESS
 * @module
 */
import { startIndexServer } from "../server/index_server.ts";
import { VOCABULARY_LIMITS } from "../server/vocabulary.ts";

const [port, perAddress] = Deno.args.map(Number);
const server = startIndexServer({
  hostname: "127.0.0.1",
  port,
  limits: {
    maxConnectionsPerAddress: perAddress,
    maxFilesPerAddress: 100_000_000,
    maxFiles: 100_000_000,
    maxVocabularyPerAddress: VOCABULARY_LIMITS.total,
  },
});
console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
