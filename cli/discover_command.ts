/**
 * `swapmeet discover`: lists the index servers that answer on the LAN.
 * @module
 */
import { findServers } from "../peer/lan_finder.ts";
import { SwapmeetError } from "../shared/errors.ts";
import { parseFlags, UsageError } from "./args.ts";
import { formatServers, mdnsEnabled } from "./find_server.ts";

/** Help for `swapmeet discover`. */
export const DISCOVER_HELP = `Usage: swapmeet discover [--timeout S] [--json]

Lists the Swapmeet index servers that answer on the LAN (DNS-SD _swapmeet._tcp
over multicast DNS): name, address and port, open or secret, network name.
Exit code 0 when at least one answered, 1 when none did.

Options:
  --timeout S         seconds to listen for answers (default 2, at most 60)
  --json              print a JSON array of {name, host, port, secret, network}
  -h, --help          show this help`;

/**
 * `swapmeet discover [--timeout S] [--json]`
 *
 * @example
 * ```ts
 * Deno.exit(await discoverCommand(["--timeout", "1"]));
 * ```
 */
export async function discoverCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    timeout: { type: "string" },
    json: { type: "boolean" },
  }, "discover");
  if (values.help) {
    console.log(DISCOVER_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}" (see: swapmeet discover --help)`);
  }
  const seconds = values.timeout === undefined ? 2 : Number(values.timeout);
  if (!/^\d+(\.\d+)?$/.test(values.timeout ?? "2") || !(seconds > 0) || seconds > 60) {
    throw new UsageError(`--timeout must be a number of seconds above 0, at most 60`);
  }
  if (!mdnsEnabled()) throw new SwapmeetError("LAN discovery is turned off (SWAPMEET_MDNS=off)");
  const servers = await findServers({ timeoutMs: seconds * 1000, full: true });
  if (values.json) {
    const list = servers.map((s) => ({ ...s, network: s.network ?? null }));
    console.log(JSON.stringify(list, null, 2));
  } else if (servers.length > 0) {
    console.log(formatServers(servers).join("\n"));
  }
  if (servers.length === 0) {
    if (!values.json) console.error(`No index server answered on the LAN within ${seconds} s.`);
    return 1;
  }
  return 0;
}
