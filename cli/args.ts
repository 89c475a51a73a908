/**
 * Argument helpers shared by the subcommands.
 * @module
 */
import { SwapmeetError } from "../shared/errors.ts";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { DEFAULT_SERVER_PORT } from "../shared/protocol.ts";
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
    const msg = (err as Error).message.split("\n")[0].replace(/\. To specify a positional.*$/, "");
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

/** Parses `HOST:PORT` (or `HOST`, or `:PORT`); IPv6 in brackets: `[::1]:1234`. */
export function parseServerAddress(text: string | undefined): ServerAddress {
  const value = text ?? Deno.env.get("SWAPMEET_SERVER") ?? `127.0.0.1:${DEFAULT_SERVER_PORT}`;
  const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d+))?$/.exec(value);
  if (!m) throw new UsageError(`--server must look like HOST:PORT, got "${value}"`);
  const host = m[1] ?? (m[2] || "127.0.0.1");
  const port = m[3] === undefined ? DEFAULT_SERVER_PORT : parsePort(m[3], "--server port", false);
  return { host, port };
}

/** The private network secret from --secret or $SWAPMEET_SECRET; undefined for an open network. */
export function parseSecret(flag: string | undefined): string | undefined {
  const secret = flag ?? Deno.env.get("SWAPMEET_SECRET");
  if (secret === undefined || secret === "") return undefined;
  if (secret.length < 4) throw new UsageError("--secret must be at least 4 characters");
  return secret;
}
