/**
 * Argument helpers shared by the subcommands.
 * @module
 */
import { SwapmeetError } from "../shared/errors.ts";
import { join } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { DEFAULT_SERVER_PORT } from "../shared/protocol.ts";
import { osErrorText } from "../shared/text.ts";
import { loadIdentity, type TlsIdentity } from "../net/tls_identity.ts";
import type { ServerAddress } from "../peer/index_client.ts";

/** Bad command-line usage: printed as one line, exit code 2. */
export class UsageError extends SwapmeetError {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `args` strictly; unknown flags and missing values become UsageError. */
export function parseFlags<T extends Options>(args: string[], options: T, command: string) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const text = (err as Error).message;
    // A value that starts with a dash: say how to give one, in one line.
    const dashed = /^Option '(--[\w-]+)' argument is ambiguous/.exec(text);
    const msg = dashed
      ? `${dashed[1]} needs a value; one that starts with a dash is written ${dashed[1]}=-VALUE`
      : text.split("\n")[0].replace(/\. To specify a positional.*$/, "");
    throw new UsageError(`${msg} (see: swapmeet ${command} --help)`);
  }
}

/** Parses a port number; 0 is allowed when `allowZero`. */
export function parsePort(text: string, what: string, allowZero = true): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535 || (!allowZero && port === 0)) {
    throw new UsageError(
      `${what} must be a port number from ${allowZero ? 0 : 1} to 65535, got "${text}"`,
    );
  }
  return port;
}

/** Parses a positive whole number. */
export function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new UsageError(`${what} must be a whole number above 0, got "${text}"`);
  }
  return Number(text);
}

/** The longest wait a timer can take (setTimeout's limit), in whole seconds: about 24 days. */
export const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Parses a positive number of seconds (fractions allowed, at most MAX_SECONDS) into ms. */
export function parseSeconds(text: string, what: string): number {
  const seconds = Number(text);
  if (!/^(\d+\.?\d*|\.\d+)$/.test(text) || !(seconds > 0) || seconds > MAX_SECONDS) {
    throw new UsageError(
      `${what} must be a number of seconds above 0 (at most ${MAX_SECONDS}), got ${
        JSON.stringify(text)
      }`,
    );
  }
  return Math.max(1, Math.round(seconds * 1000));
}

/** Parses `HOST:PORT` (or `HOST`, or `:PORT`); IPv6 in brackets: `[::1]:1234`. */
export function parseServerAddress(text: string | undefined): ServerAddress {
  const value = text ?? Deno.env.get("SWAPMEET_SERVER") ?? `127.0.0.1:${DEFAULT_SERVER_PORT}`;
  const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d+))?$/.exec(value);
  if (!m) throw new UsageError(`--server must look like HOST:PORT, got "${value}"`);
  const host = m[1] ?? (m[2] || "127.0.0.1");
  const port = m[3] === undefined ? DEFAULT_SERVER_PORT : parsePort(m[3], "--server port", false);
  return { host, port };
}

/**
 * Parses `--server` (or $SWAPMEET_SERVER): one `HOST:PORT`, or several
 * separated by commas (servers of one network, tried in turn).
 */
export function parseServerList(text: string | undefined): ServerAddress[] {
  const value = text ?? Deno.env.get("SWAPMEET_SERVER");
  if (value === undefined) return [parseServerAddress(undefined)];
  const parts = value.split(",").map((part) => part.trim());
  if (parts.includes("")) {
    throw new UsageError(
      `--server must look like HOST:PORT or HOST:PORT,HOST:PORT, got "${value}"`,
    );
  }
  const list: ServerAddress[] = [];
  for (const a of parts.map(parseServerAddress)) {
    if (!list.some((b) => a.host === b.host && a.port === b.port)) list.push(a);
  }
  return list;
}

/** The flags every command takes for a private network's secret. */
export const SECRET_OPTIONS = {
  secret: { type: "string" },
  "secret-file": { type: "string" },
} as const;

/** Help lines for SECRET_OPTIONS, descriptions starting at column `column`. */
export function secretHelp(column: number): string {
  const line = (flag: string, text: string) => `  ${flag}`.padEnd(column) + text;
  const more = (text: string) => " ".repeat(column) + text;
  return [
    line("--secret-file PATH", "private network: read its secret from PATH (default"),
    more("$SWAPMEET_SECRET; neither: open network)"),
    line("--secret S", "the secret itself: visible to other local users"),
    more("(/proc/PID/cmdline, ps), so prefer --secret-file"),
  ].join("\n");
}

/**
 * The private network secret from --secret, --secret-file or
 * $SWAPMEET_SECRET (in that order); undefined for an open network. A secret
 * file's line ending is not part of the secret.
 */
export function parseSecret(
  values: { secret?: string; "secret-file"?: string },
): string | undefined {
  const file = values["secret-file"];
  if (values.secret !== undefined && file !== undefined) {
    throw new UsageError("Give the secret once: --secret or --secret-file, not both");
  }
  let secret = values.secret ?? Deno.env.get("SWAPMEET_SECRET");
  if (file !== undefined) {
    try {
      secret = Deno.readTextFileSync(file).replace(/\r?\n$/, "");
    } catch (err) {
      throw new SwapmeetError(`Cannot read secret file ${file}: ${osErrorText(err)}`);
    }
    if (secret === "") throw new SwapmeetError(`Secret file ${file} is empty`);
  }
  if (secret === undefined || secret === "") return undefined;
  if (secret.length < 8) {
    throw new UsageError(
      "The secret must be at least 8 characters (anyone who talks to a server can try secrets offline)",
    );
  }
  return secret;
}

/** The folder Swapmeet keeps its identities in: $SWAPMEET_HOME, or ~/.swapmeet. */
export function swapmeetHome(): string {
  const home = Deno.env.get("SWAPMEET_HOME") || Deno.env.get("HOME") &&
      join(Deno.env.get("HOME")!, ".swapmeet");
  if (!home) throw new SwapmeetError("Set SWAPMEET_HOME (or HOME) to keep this side's identity");
  return home;
}

/**
 * On a private network, this user's stored TLS identity as an index server
 * or as a peer (`server-identity.pem`, `peer-identity.pem` in swapmeetHome(),
 * made on first use); undefined on an open network.
 */
export async function privateIdentity(
  secret: string | undefined,
  role: "server" | "peer",
): Promise<TlsIdentity | undefined> {
  return secret ? await loadIdentity(join(swapmeetHome(), `${role}-identity.pem`)) : undefined;
}
