/**
 * The one table of command-line options: every flag's kind and help line, the
 * commands that take it, and the conversion of parsed flags into settings.
 * Help texts and main.ts's usage are made from it, so a flag is described once.
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { DEFAULT_SERVER_PORT } from "../shared/protocol.ts";
import { parseRate } from "../peer/rate_limiter.ts";
import type { PeerOptions } from "../peer/peer.ts";
import {
  parseCount,
  parseFlags,
  parsePort,
  parseSeconds,
  parseSecret,
  privateIdentity,
  UsageError,
} from "./args.ts";
import { chooseServer, type ServerChoice } from "./find_server.ts";

/** Every flag: value placeholder (none for a switch) and its help line. */
export const FLAGS = {
  server: {
    arg: "H:P",
    help:
      "index server, or several of one network tried in turn: H:P,H:P (default $SWAPMEET_SERVER, else those found on the LAN, else 127.0.0.1:1234)",
  },
  network: { arg: "NAME", help: "on the LAN, use the index server of this network (or this name)" },
  redis: {
    arg: "URL",
    help:
      "share one index with the servers of this Redis and --network: redis://HOST:PORT[/DB] (default $SWAPMEET_REDIS)",
  },
  "no-announce": {
    arg: "",
    help: "do not announce the server on the LAN (peers then need --server)",
  },
  "secret-file": {
    arg: "PATH",
    help: "private network: read its secret from PATH (default $SWAPMEET_SECRET; none: open)",
  },
  secret: {
    arg: "S",
    help:
      "the secret itself: visible to other local users (/proc/PID/cmdline, ps), so prefer --secret-file",
  },
  host: { arg: "HOST", help: "address to listen on (default 0.0.0.0: every interface)" },
  port: { arg: "P", help: "port to serve files on (default 0: any free port)" },
  share: { arg: "DIR", help: "folder to share (default testing_files)" },
  out: { arg: "DIR", help: "download folder (default downloads)" },
  advertise: {
    arg: "HOST",
    help: "address other peers should dial (default: as the server sees you)",
  },
  name: { arg: "NAME", help: "a name shown on the server's console" },
  "max-upload-rate": {
    arg: "R",
    help: "total upload rate, e.g. 500K, 10M (= 10 MB/s), 1G (default: unlimited)",
  },
  "upload-slots": {
    arg: "N",
    help: "downloaders served at once; others wait their turn (default 8)",
  },
  peer: { arg: "ID", help: "download only from the peer with this ID" },
  "stall-timeout": {
    arg: "S",
    help:
      "stop a download when no holder sends anything for S seconds (fractions allowed; default 60); the verified part is kept, so downloading it again resumes",
  },
  again: {
    arg: "",
    help: "download even when the download folder already holds this content",
  },
  quiet: { arg: "", help: "no progress output" },
  json: { arg: "", help: "print the results as a JSON array" },
  timeout: { arg: "S", help: "seconds to listen for answers (default 2, at most 60)" },
  limit: { arg: "N", help: "at most N results (default 100)" },
  heartbeat: {
    arg: "SECONDS",
    help: "seconds between heartbeats; a peer silent for 3 is dropped (default 10)",
  },
  "max-connections": {
    arg: "N",
    help: "open connections accepted in all (default 20000, or fewer under a low open-file limit)",
  },
  "max-per-address": { arg: "N", help: "open connections accepted from one address (default 256)" },
} as const;

/** A flag's name. */
export type Flag = keyof typeof FLAGS;
type Switch = { [K in Flag]: (typeof FLAGS)[K]["arg"] extends "" ? K : never }[Flag];

/** Parsed flags: strings for flags with a value, booleans for switches. */
export type Values = { [K in Exclude<Flag, Switch>]?: string } & { [K in Switch]?: boolean };

/** One command: what it takes, what it does, and its flags (with an optional own help line). */
export interface CommandSpec {
  name: string;
  /** Positional arguments in usage lines, e.g. "DIR". */
  args: string;
  /** Flags shown in the short usage line (main.ts) besides the positionals. */
  brief: Flag[];
  about: string;
  flags: (Flag | [Flag, string])[];
}

function flagName(entry: Flag | [Flag, string]): Flag {
  return typeof entry === "string" ? entry : entry[0];
}

function flagUsage(flag: Flag): string {
  const arg = FLAGS[flag].arg;
  return `[--${flag}${arg ? ` ${arg}` : ""}]`;
}

/** The one-line usage of a command: `server [--host HOST] [--port P]`. */
export function usageLine(spec: CommandSpec): string {
  return [spec.name, spec.args, ...spec.brief.map(flagUsage)].filter(Boolean).join(" ");
}

/** The `--help` text of a command. */
export function helpText(spec: CommandSpec): string {
  const rows = spec.flags.map((entry) => {
    const flag = flagName(entry);
    const arg = FLAGS[flag].arg;
    return [
      `--${flag}${arg ? ` ${arg}` : ""}`,
      typeof entry === "string" ? FLAGS[flag].help : entry[1],
    ];
  });
  rows.push(["-h, --help", "show this help"]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return `Usage: swapmeet ${usageLine(spec)}\n\n${spec.about}\n\nOptions:\n` +
    rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`).join("\n");
}

/** Parses a command's arguments; null when `--help` was asked for (and printed). */
export function parseCommand(
  spec: CommandSpec,
  args: string[],
): { values: Values; positionals: string[] } | null {
  const options = Object.fromEntries(
    spec.flags.map(flagName).map((f) => [f, { type: FLAGS[f].arg ? "string" : "boolean" }]),
  ) as Record<string, { type: "string" | "boolean" }>;
  const { values, positionals } = parseFlags(args, options, spec.name);
  if (values.help) {
    console.log(helpText(spec));
    return null;
  }
  return { values: values as Values, positionals };
}

/** Refuses positional arguments for commands that take none. */
export function noPositionals(spec: CommandSpec, positionals: string[]): void {
  if (positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument "${positionals[0]}" (see: swapmeet ${spec.name} --help)`,
    );
  }
}

/** What every peer command needs to join: where, the secret, and this user's identity. */
export type NetworkSettings = Pick<PeerOptions, "server" | "servers" | "secret" | "identity"> & {
  /** The server chosen (given, or found on the LAN) and the words for failing to reach it. */
  choice: ServerChoice;
};

/**
 * The index server (`--server`, $SWAPMEET_SERVER, else looked for on the LAN
 * with `--network`), the secret, and on a private network this user's peer
 * identity.
 */
export async function networkSettings(values: Values): Promise<NetworkSettings> {
  const secret = parseSecret(values);
  const identity = await privateIdentity(secret, "peer");
  const choice = await chooseServer(values);
  return { server: choice.addresses[0], servers: choice.servers, secret, identity, choice };
}

/** The download stall time from `--stall-timeout` (seconds) in ms; undefined: the default. */
export function stallMs(values: Values): number | undefined {
  const text = values["stall-timeout"];
  return text === undefined ? undefined : parseSeconds(text, "--stall-timeout");
}

/** Peer.start settings from the flags (those the command has). */
export async function peerSettings(
  values: Values,
): Promise<NetworkSettings & PeerOptions & { outDir: string }> {
  let maxUploadRate: number | undefined;
  if (values["max-upload-rate"] !== undefined) {
    try {
      maxUploadRate = parseRate(values["max-upload-rate"]);
    } catch (err) {
      throw new UsageError(`--max-upload-rate: ${(err as Error).message}`);
    }
  }
  const slots = values["upload-slots"];
  // Every flag is checked before the index server is looked for (up to 2 s on the LAN).
  const local = {
    port: values.port === undefined ? 0 : parsePort(values.port, "--port"),
    advertise: values.advertise,
    name: values.name,
    maxUploadRate,
    uploadSlots: slots === undefined ? undefined : parseCount(slots, "--upload-slots"),
    stallMs: stallMs(values),
    outDir: values.out ?? "downloads",
  };
  return { ...local, ...await networkSettings(values) };
}

/**
 * The folder a peer shares when none is given: `testing_files` where the user
 * stands, else the one that comes with Swapmeet (in a clone), else
 * `testing_files` all the same (the menu then asks again).
 */
export function defaultShareDir(): string {
  const here = "testing_files";
  const bundled = fromFileUrl(new URL("../testing_files", import.meta.url));
  for (const dir of [here, bundled]) {
    try {
      if (Deno.statSync(dir).isDirectory) return dir;
    } catch { /* not there */ }
  }
  return here;
}

/** The index server's listening port from `--port` (default 1234). */
export function serverPort(values: Values): number {
  return values.port === undefined ? DEFAULT_SERVER_PORT : parsePort(values.port, "--port");
}
