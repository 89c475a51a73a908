/**
 * `swapmeet server`: runs the index server until `quit`, Ctrl-C or SIGTERM.
 * @module
 */
import { DEFAULT_HEARTBEAT_SECONDS, startIndexServer } from "../server/index_server.ts";
import type { SessionLimits } from "../server/requests.ts";
import { DEFAULT_SERVER_PORT } from "../shared/protocol.ts";
import { parseCount, parseFlags, parsePort, parseSecret, UsageError } from "./args.ts";
import { LineReader } from "./line_reader.ts";
import { onShutdown } from "./shutdown.ts";
import {
  ANNOUNCE_HELP_LINES,
  ANNOUNCE_OPTIONS,
  type AnnounceSettings,
  parseAnnounceSettings,
  startAnnouncer,
} from "./server_announce.ts";

/** Help for `swapmeet server`. */
export const SERVER_HELP = `Usage: swapmeet server [--host HOST] [--port PORT] [--name NAME]

Runs the index server. Peers register their files with it and search it.
Type "quit" (or press Ctrl-C) to stop it.

Options:
  --host HOST          address to listen on (default 0.0.0.0: every interface)
  --port PORT          port to listen on (default ${DEFAULT_SERVER_PORT}; 0: any free port)
  --heartbeat SECONDS  seconds between heartbeats; a peer silent for 3 is dropped (default ${DEFAULT_HEARTBEAT_SECONDS})
  --secret S           private network: only peers that know S may join (default $SWAPMEET_SECRET)
  --max-connections N  open connections accepted in all (default 20000)
  --max-per-address N  open connections accepted from one address (default 256)
${ANNOUNCE_HELP_LINES}
  -h, --help           show this help`;

/** Settings of a server run. */
export interface ServerSettings extends AnnounceSettings {
  host: string;
  port: number;
  heartbeatSeconds?: number;
  secret?: string;
  limits?: Partial<SessionLimits>;
}

/** Parses `server` arguments; null when --help was printed. */
export function parseServerArgs(args: string[]): ServerSettings | null {
  const { values, positionals } = parseFlags(args, {
    host: { type: "string" },
    port: { type: "string" },
    heartbeat: { type: "string" },
    secret: { type: "string" },
    "max-connections": { type: "string" },
    "max-per-address": { type: "string" },
    ...ANNOUNCE_OPTIONS,
  }, "server");
  if (values.help) {
    console.log(SERVER_HELP);
    return null;
  }
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}" (see: swapmeet server --help)`);
  }
  return {
    host: values.host ?? "0.0.0.0",
    port: values.port === undefined ? DEFAULT_SERVER_PORT : parsePort(values.port, "--port"),
    heartbeatSeconds: values.heartbeat === undefined
      ? undefined
      : parseCount(values.heartbeat, "--heartbeat"),
    secret: parseSecret(values.secret),
    limits: {
      ...(values["max-connections"] &&
        { maxConnections: parseCount(values["max-connections"], "--max-connections") }),
      ...(values["max-per-address"] &&
        { maxConnectionsPerAddress: parseCount(values["max-per-address"], "--max-per-address") }),
    },
    ...parseAnnounceSettings(values),
  };
}

/** Runs the server in the foreground; resolves when it has stopped. */
export async function runServer(
  settings: ServerSettings,
  console_ = new LineReader(),
): Promise<void> {
  let server;
  try {
    server = startIndexServer({
      hostname: settings.host,
      port: settings.port,
      heartbeatSeconds: settings.heartbeatSeconds,
      secret: settings.secret,
      limits: settings.limits,
    });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new Error(
        `Cannot listen on ${settings.host}:${settings.port}: the port is in use (try --port 0)`,
      );
    }
    throw new Error(
      `Cannot listen on ${settings.host}:${settings.port}: ${(err as Error).message}`,
    );
  }
  const { hostname, port } = server.addr;
  console.log(
    `Swapmeet index server listening on ${hostname}:${port} (${
      settings.secret ? "private network" : "open network"
    }). Type "quit" or press Ctrl-C to stop.`,
  );
  const announcer = startAnnouncer(settings, port, (line) => console.log(line));
  let stopping: Promise<void> | null = null;
  const stop = (why: string) => {
    stopping ??= (async () => {
      console.log(`Stopping (${why})...`);
      await announcer.stop(); // goodbye first: nobody should find a server that is going
      await server.close();
      console.log("Index server stopped.");
    })();
    return stopping;
  };
  onShutdown((signal) => stop(signal));
  // The console: "quit" stops the server; end of input leaves it running.
  for (;;) {
    const line = await console_.readLine();
    if (line === null) break;
    if (["quit", "exit", "q"].includes(line.trim().toLowerCase())) {
      await stop("quit");
      return;
    }
    if (line.trim() !== "") {
      console.log(`Unknown command "${line.trim()}". Type "quit" to stop the server.`);
    }
  }
  await new Promise(() => {}); // stdin closed: serve until a signal
}
