/**
 * `swapmeet server`: runs the index server until `quit`, Ctrl-C or SIGTERM.
 * @module
 */
import {
  DEFAULT_HEARTBEAT_SECONDS,
  type IndexServer,
  startIndexServer,
} from "../server/index_server.ts";
import type { IndexNetwork } from "../server/index_network.ts";
import { IndexStore } from "../server/index_store.ts";
import { DEFAULT_LIMITS, type SessionLimits } from "../server/requests.ts";
import { openFileLimit } from "../net/open_files.ts";
import { describeRedis, parseRedisUrl, type RedisTarget } from "../net/redis_client.ts";
import { plural } from "../shared/text.ts";
import { DEFAULT_SERVER_PORT } from "../shared/protocol.ts";
import { SwapmeetError } from "../shared/errors.ts";
import type { TlsIdentity } from "../net/tls_identity.ts";
import { parseCount, parseSecret, privateIdentity, UsageError } from "./args.ts";
import { LineReader } from "./line_reader.ts";
import { type CommandSpec, noPositionals, parseCommand, serverPort } from "./options.ts";
import { portInUse } from "./port_in_use.ts";
import * as screen from "./screen.ts";
import { onShutdown } from "./shutdown.ts";
import {
  type Announcer,
  type AnnounceSettings,
  parseAnnounceSettings,
  startAnnouncer,
} from "./server_announce.ts";

/** The network name of servers given --redis and no --network. */
export const DEFAULT_NETWORK = "swapmeet";

/** The server command's flags and help. */
export const SERVER: CommandSpec = {
  name: "server",
  args: "",
  brief: ["host", "port", "name", "redis"],
  about: `Runs the index server. Peers register their files with it and search it.
Type "quit" (or press Ctrl-C) to stop it.`,
  flags: [
    "host",
    ["port", `port to listen on (default ${DEFAULT_SERVER_PORT}; 0: any free port)`],
    [
      "heartbeat",
      `seconds between heartbeats; a peer silent for 3 is dropped (default ${DEFAULT_HEARTBEAT_SECONDS})`,
    ],
    ["secret-file", "private network: only peers that know the secret in PATH may join"],
    "secret",
    "max-connections",
    "max-per-address",
    ["name", "name announced on the LAN (default: this machine's name)"],
    [
      "network",
      `network name, announced on the LAN; with --redis, the servers that share one index (default "${DEFAULT_NETWORK}")`,
    ],
    "redis",
    "no-announce",
  ],
};

/** Settings of a server run. */
export interface ServerSettings extends AnnounceSettings {
  host: string;
  port: number;
  heartbeatSeconds?: number;
  secret?: string;
  limits?: Partial<SessionLimits>;
  /** Share the index with the other servers of this Redis and network. */
  redis?: RedisTarget;
}

/** Parses `server` arguments; null when --help was printed. */
export function parseServerArgs(args: string[]): ServerSettings | null {
  const parsed = parseCommand(SERVER, args);
  if (!parsed) return null;
  const { values, positionals } = parsed;
  noPositionals(SERVER, positionals);
  const count = (text: string | undefined, flag: string) =>
    text === undefined ? undefined : parseCount(text, flag);
  const maxConnections = count(values["max-connections"], "--max-connections");
  const maxConnectionsPerAddress = count(values["max-per-address"], "--max-per-address");
  const redis = parseRedis(values.redis);
  const announce = parseAnnounceSettings(values);
  return {
    host: values.host ?? "0.0.0.0",
    port: serverPort(values),
    heartbeatSeconds: count(values.heartbeat, "--heartbeat"),
    secret: parseSecret(values),
    limits: {
      ...(maxConnections && { maxConnections }),
      ...(maxConnectionsPerAddress && { maxConnectionsPerAddress }),
    },
    ...announce,
    ...(redis && { redis, network: announce.network ?? DEFAULT_NETWORK }),
  };
}

/** `--redis URL` (or $SWAPMEET_REDIS); undefined for none. */
function parseRedis(flag: string | undefined): RedisTarget | undefined {
  const text = flag ?? Deno.env.get("SWAPMEET_REDIS");
  if (!text) return undefined;
  try {
    return parseRedisUrl(text);
  } catch (err) {
    throw new UsageError(`--redis: ${(err as Error).message}`);
  }
}

/**
 * Starts listening (on a private network with this user's stored server
 * identity); a taken port or a bad address throws the runtime's error
 * (Deno.errors.AddrInUse and others), for the caller to word.
 */
export async function startServer(settings: ServerSettings): Promise<RunningServer> {
  const identity = await privateIdentity(settings.secret, "server");
  const store = new IndexStore();
  const log = (line: string) => screen.notice(line);
  const network = settings.redis ? await joinNetwork(settings, settings.redis, store) : undefined;
  try {
    const server = startIndexServer({
      hostname: settings.host,
      port: settings.port,
      heartbeatSeconds: settings.heartbeatSeconds,
      secret: settings.secret,
      identity,
      limits: settings.limits,
      log,
      store,
      network,
    });
    return { server, identity, settings };
  } catch (err) {
    await network?.close();
    throw err;
  }
}

/** Joins the network of servers sharing this Redis (its code loaded only now) and says so. */
async function joinNetwork(
  settings: ServerSettings,
  redis: RedisTarget,
  store: IndexStore,
): Promise<IndexNetwork> {
  const started = performance.now();
  const { joinRedisNetwork } = await import("../server/join_network.ts");
  const network = await joinRedisNetwork({
    redis,
    network: settings.network ?? DEFAULT_NETWORK,
    store,
    heartbeatSeconds: settings.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    log: (line) => screen.notice(line),
  });
  const others = network.replica.servers().size;
  screen.say(
    `Network "${settings.network}" on Redis ${describeRedis(redis)}: ${
      plural(store.sharingPeerCount, "peer")
    } sharing ${plural(store.fileCount, "file")} on ${plural(others, "other server")} (loaded in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s).`,
  );
  return network;
}

/** A server started by startServer. */
export interface RunningServer {
  server: IndexServer;
  identity?: TlsIdentity;
  settings: ServerSettings;
}

/** Why listening failed, in the words of a flag user. */
export function listenError(err: unknown, settings: ServerSettings): SwapmeetError {
  if (err instanceof SwapmeetError) return err; // already in words: Redis could not be reached
  const where = `${settings.host}:${settings.port}`;
  return portInUse(err, "listen", where, "flag") ??
    new SwapmeetError(`Cannot listen on ${where}: ${(err as Error).message}`);
}

/**
 * Runs `swapmeet server` in the foreground; resolves when it has stopped.
 * @example
 * const settings = parseServerArgs(["--port", "0"]);
 * if (settings) await runServer(settings);
 */
export async function runServer(settings: ServerSettings): Promise<void> {
  let server: RunningServer;
  try {
    server = await startServer(settings);
  } catch (err) {
    throw listenError(err, settings);
  }
  await serveUntilStopped(server, new LineReader());
}

/** Serves until "quit" on the console, Ctrl-C or SIGTERM; resolves when stopped. */
export async function serveUntilStopped(
  { server, identity, settings }: RunningServer,
  console_: LineReader,
): Promise<void> {
  const { hostname, port } = server.addr;
  let announcer: Announcer | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (why: string) => {
    stopping ??= (async () => {
      screen.say(`Stopping (${why})...`);
      await announcer?.stop(); // goodbye first: nobody should find a server that is going
      await server.close();
      screen.say("Index server stopped.");
    })();
    return stopping;
  };
  // Ctrl-C is ours before anyone is told we listen (a signal without a handler ends the process).
  onShutdown((signal) => stop(signal));
  screen.say(
    `Swapmeet index server listening on ${hostname}:${port} (${
      identity ? `private network, TLS certificate SHA-256 ${identity.fingerprint}` : "open network"
    }). Type "quit" or press Ctrl-C to stop.`,
  );
  const cap = server.limits.maxConnections;
  if (settings.limits?.maxConnections === undefined && cap < DEFAULT_LIMITS.maxConnections) {
    screen.say(
      `At most ${cap.toLocaleString("en")} connections at once: this process may open ${
        openFileLimit()?.toLocaleString("en")
      } files ("ulimit -n"), and needs some for itself.`,
    );
  }
  announcer = startAnnouncer(settings, port, (line) => screen.say(line));
  // The console: "quit" stops the server; end of input leaves it running.
  for (;;) {
    const line = await console_.readLine();
    if (line === null) break;
    if (["quit", "exit", "q"].includes(line.trim().toLowerCase())) {
      await stop("quit");
      return;
    }
    const typed = line.trim().toLowerCase();
    if (["help", "?", "h"].includes(typed)) {
      screen.say(`The console takes one command: "quit" (or "exit", or Ctrl-C) stops the server.`);
    } else if (typed !== "") {
      screen.say(`Unknown command "${line.trim()}". Type "quit" to stop the server.`);
    }
  }
  await new Promise(() => {}); // stdin closed: serve until a signal
}
