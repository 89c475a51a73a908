/**
 * `swapmeet discover`: lists the index servers that answer on the LAN.
 * @module
 */
import { SwapmeetError } from "../shared/errors.ts";
import { UsageError } from "./args.ts";
import { formatServers, mdnsEnabled } from "./find_server.ts";
import { type CommandSpec, noPositionals, parseCommand } from "./options.ts";
import * as screen from "./screen.ts";

/** The discover command's flags and help. */
export const DISCOVER: CommandSpec = {
  name: "discover",
  args: "",
  brief: ["timeout", "json"],
  about: `Lists the Swapmeet index servers that answer on the LAN (DNS-SD _swapmeet._tcp
over multicast DNS): name, address and port, open or secret, network name.
Exit code 0 when at least one answered, 1 when none did.`,
  flags: [
    "timeout",
    ["json", "print a JSON array of {name, host, port, secret, network}"],
  ],
};

/**
 * `swapmeet discover [--timeout S] [--json]`
 *
 * @example
 * ```ts
 * Deno.exit(await discoverCommand(["--timeout", "1"]));
 * ```
 */
export async function discoverCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(DISCOVER, args);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  noPositionals(DISCOVER, positionals);
  const seconds = values.timeout === undefined ? 2 : Number(values.timeout);
  if (!/^\d+(\.\d+)?$/.test(values.timeout ?? "2") || !(seconds > 0) || seconds > 60) {
    throw new UsageError(`--timeout must be a number of seconds above 0, at most 60`);
  }
  if (!mdnsEnabled()) throw new SwapmeetError("LAN discovery is turned off (SWAPMEET_MDNS=off)");
  // The mDNS code loads only when it runs.
  const { findServers } = await import("../peer/lan_finder.ts");
  const servers = await findServers({ timeoutMs: seconds * 1000, full: true });
  if (values.json) {
    const list = servers.map((s) => ({ ...s, network: s.network ?? null }));
    screen.say(JSON.stringify(list, null, 2));
  } else if (servers.length > 0) {
    screen.say(formatServers(servers).join("\n"));
  }
  if (servers.length === 0) {
    if (!values.json) screen.say(`No index server answered on the LAN within ${seconds} s.`, "err");
    return 1;
  }
  return 0;
}
