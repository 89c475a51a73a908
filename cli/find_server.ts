/**
 * Which index server a peer command uses when it was given none: `--server`
 * or $SWAPMEET_SERVER when given, else the one found on the LAN (mDNS),
 * else 127.0.0.1:1234. Also the menu's defaults and the lines that say
 * what was found.
 * @module
 */
import type { DiscoveredServer } from "../peer/discovery.ts";
import type { NameConflict } from "../peer/server_choice.ts";
import { IndexClient, type IndexClientOptions, type ServerAddress } from "../peer/index_client.ts";
import type { ServerCandidates } from "../peer/index_link.ts";
import { AuthError, ConnectionClosedError, SwapmeetError } from "../shared/errors.ts";
import { DEFAULT_SERVER_PORT } from "../shared/protocol.ts";
import { plural } from "../shared/text.ts";
import { serversAfter } from "../peer/server_choice.ts";
import { parseSecret, parseServerList, UsageError } from "./args.ts";
import type { LineSource } from "./line_reader.ts";

/** The `--network` option of the peer commands (for parseFlags). */
export const NETWORK_OPTION = { network: { type: "string" } } as const;

/** Help lines for --server and --network. */
export const SERVER_HELP_LINES =
  `  --server H:P        index server (default $SWAPMEET_SERVER, else the one found on
                      the LAN, else 127.0.0.1:1234)
  --network NAME      on the LAN, use the server of this network (or this name)`;

const FALLBACK: ServerAddress = { host: "127.0.0.1", port: DEFAULT_SERVER_PORT };

/** The looking-on-the-LAN code, loaded only when it runs: a command given --server starts without it. */
async function lanCode() {
  const [finder, choice] = await Promise.all([
    import("../peer/lan_finder.ts"),
    import("../peer/server_choice.ts"),
  ]);
  return { ...finder, ...choice };
}

/** Whether this process may use multicast DNS ($SWAPMEET_MDNS=off turns it off). */
export function mdnsEnabled(): boolean {
  const value = (Deno.env.get("SWAPMEET_MDNS") ?? "").toLowerCase();
  return !["off", "0", "no", "false"].includes(value);
}

/** The index server a peer command uses. */
export interface ServerChoice {
  /** The servers to try first, in order. */
  addresses: ServerAddress[];
  /** For a sharing peer's link: these first, then (found on the LAN) a fresh look on each reconnection. */
  servers: ServerCandidates;
  /** Dials the first of `addresses` that answers (one-shot commands). */
  connect(options: IndexClientOptions): Promise<IndexClient>;
  /** The error to show when none of `addresses` could be reached. */
  explain(err: unknown): unknown;
}

/**
 * Settles where a peer command connects, from its `--server` and
 * `--network` values; looks on the LAN (up to 2 s) only when no address
 * was given. Says on stderr what it found. Servers that claim one name on
 * the LAN (one may be an impostor) stop it with a usage error unless
 * `--network` leaves only one of them.
 *
 * @example
 * ```ts
 * const where = await chooseServer({ server: undefined, network: "physics" });
 * const client = await where.connect({});
 * ```
 */
export async function chooseServer(
  values: { server?: string; network?: string; secret?: string; "secret-file"?: string },
): Promise<ServerChoice> {
  if (values.server !== undefined || Deno.env.get("SWAPMEET_SERVER")) {
    return fixed(parseServerList(values.server), false);
  }
  if (!mdnsEnabled()) return fixed([FALLBACK], false);
  const { network } = values;
  const { findServers, lanServerSource, pickServers } = await lanCode();
  let found: DiscoveredServer[];
  try {
    found = await findServers({ network });
  } catch (err) {
    console.error(`Could not look on the LAN (${(err as Error).message}); trying 127.0.0.1:1234.`);
    return fixed([FALLBACK], true);
  }
  const pick = pickServers(found, network);
  if (pick.kind === "conflict") {
    throw new UsageError(
      `${pick.conflicts.map(conflictText).join("; ")} (one may be an impostor); ` +
        "pick the right one with --server HOST:PORT or --network NAME:\n" +
        formatServers(pick.servers).join("\n"),
    );
  }
  if (pick.kind === "ambiguous") {
    throw new UsageError(
      `${pick.servers.length} index servers found on the LAN; pick one with --network NAME or --server HOST:PORT:\n` +
        formatServers(pick.servers).join("\n"),
    );
  }
  if (pick.kind === "none" && network !== undefined) {
    throw new SwapmeetError(
      `No index server of network "${network}" found on the LAN` +
        (found.length > 0 ? `; found:\n${formatServers(found).join("\n")}` : ""),
    );
  }
  if (pick.kind === "none") {
    console.error("No index server found on the LAN; trying 127.0.0.1:1234.");
    const choice = fixed([FALLBACK], true);
    return { ...choice, servers: lanServerSource([FALLBACK], [], { network }) };
  }
  const first = pick.servers[0];
  console.error(
    `Using index server ${first.name} at ${first.host}:${first.port}, found on the LAN`,
  );
  const addresses = pick.servers.map(({ host, port }) => ({ host, port }));
  const lan = parseSecret(values) === undefined ? undefined : pick.servers;
  return {
    ...fixed(addresses, false, lan),
    servers: lanServerSource(addresses, found, { network }),
  };
}

/** "two servers call themselves lab: 10.0.0.5:1234 and 10.0.0.66:4321". */
export function conflictText(c: NameConflict): string {
  const n = c.servers.length;
  const where = c.servers.map((s) => `${s.host}:${s.port}`);
  return c.more
    ? `more than one server calls itself ${c.name}: ${where.join(", ")} and others not kept ` +
      "(too many answers on the LAN)"
    : `${n === 2 ? "two" : n} servers call themselves ${c.name}: ` +
      `${where.slice(0, -1).join(", ")} and ${where.at(-1)}`;
}

/**
 * The commands' connect and explain for `addresses`. `fallback`: they are
 * the 127.0.0.1:1234 guess. `proving`: the servers found on the LAN that a
 * caller with a secret dials, so a failed proof is said to be theirs.
 */
function fixed(
  addresses: ServerAddress[],
  fallback: boolean,
  proving?: DiscoveredServer[],
): ServerChoice {
  const explain = (err: unknown) =>
    fallback && err instanceof ConnectionClosedError
      ? new SwapmeetError(
        `No index server found on the LAN, and none at 127.0.0.1:1234 (${reason(err)}). ` +
          "Give one with --server HOST:PORT (or set SWAPMEET_SERVER).",
      )
      : proving && err instanceof AuthError
      ? failedProof(proving)
      : err;
  return {
    addresses,
    // After losing one, the next ones first; the one lost last (it may come back).
    servers: (last) => serversAfter(addresses, last),
    async connect(options) {
      let last: unknown;
      for (const address of addresses) {
        try {
          return await IndexClient.connect(address, options);
        } catch (err) {
          last = err;
        }
      }
      throw explain(last);
    },
    explain,
  };
}

function reason(err: Error): string {
  return err.message.split(": ").at(-1) ?? err.message;
}

/**
 * A caller with the secret met a server found on the LAN that did not prove
 * it (the handshake binds the proof to TLS, so a relay cannot borrow one):
 * anyone can announce a server, so say it may be an impostor.
 */
function failedProof(servers: DiscoveredServer[]): AuthError {
  const which = servers.map((s) => `${s.name} at ${s.host}:${s.port}`).join(", ");
  return new AuthError(
    `The index server found on the LAN (${which}) failed to prove it knows the network ` +
      "secret: it may be an impostor, or your secret is wrong. " +
      "Give the real server's address with --server HOST:PORT.",
  );
}

/** Aligned lines: name, address, open or secret, network. */
export function formatServers(servers: DiscoveredServer[]): string[] {
  const rows = servers.map((s) => [
    s.name,
    `${s.host}:${s.port}`,
    s.secret ? "secret" : "open",
    s.network ? `network ${s.network}` : "",
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    "  " + r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ").trimEnd()
  );
}

/** What the menu offers for the index server: defaults for its prompts, and the link's servers. */
export interface MenuServer {
  host: string;
  port: number;
  /** For the address the person settled on: the link's candidates and the start-up error to show. */
  settle(address: ServerAddress): Pick<ServerChoice, "servers" | "explain"> | undefined;
}

/**
 * Looks on the LAN for the menu (unless $SWAPMEET_SERVER is set): one
 * server found becomes the prompts' default; among several, the person
 * picks one by number.
 */
export async function menuServer(lines: LineSource): Promise<MenuServer> {
  const env = Deno.env.get("SWAPMEET_SERVER");
  if (env || !mdnsEnabled()) {
    return { ...parseServerList(undefined)[0], settle: () => undefined };
  }
  console.log("Looking for index servers on the LAN...");
  const { findServers, lanServerSource, nameConflicts } = await lanCode();
  const found = await findServers().catch(() => [] as DiscoveredServer[]);
  const conflicts = nameConflicts(found);
  let chosen: DiscoveredServer | undefined = found[0];
  if (found.length === 0) console.log("No index server found on the LAN.");
  else if (found.length === 1 && conflicts.length === 0) {
    console.log(`Found index server ${chosen.name} at ${chosen.host}:${chosen.port}.`);
  } else {
    console.log(`Found ${plural(found.length, "index server")} on the LAN:`);
    formatServers(found).forEach((line, i) =>
      console.log(`${String(i + 1).padStart(2)} - ${line.trimStart()}`)
    );
    // No default then: Enter must not pick one of two that claim one name.
    for (const c of conflicts) {
      console.log(`Careful: ${conflictText(c)}; one may be an impostor. Pick by its address.`);
    }
    chosen = await pickByNumber(lines, found, conflicts.length === 0);
  }
  const start = chosen ?? FALLBACK;
  return {
    host: start.host,
    port: start.port,
    // Only the default the LAN suggested is looked for again; an address typed in stays fixed.
    settle: (a) =>
      a.host === start.host && a.port === start.port
        ? {
          servers: lanServerSource([a], found),
          explain: fixed([a], chosen === undefined).explain,
        }
        : undefined,
  };
}

async function pickByNumber(
  lines: LineSource,
  found: DiscoveredServer[],
  firstByDefault: boolean,
): Promise<DiscoveredServer | undefined> {
  for (;;) {
    const prompt = `Index server (1-${found.length})${firstByDefault ? " [1]" : ""}: `;
    const answer = (await lines.ask(prompt))?.trim();
    if (answer === undefined) return undefined;
    const n = answer === "" && firstByDefault ? 1 : Number(answer);
    if (Number.isInteger(n) && n >= 1 && n <= found.length) return found[n - 1];
    console.log(`Please type a number from 1 to ${found.length}.`);
  }
}
