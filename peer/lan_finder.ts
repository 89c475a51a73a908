/**
 * Looking on the LAN for index servers: browses mDNS until the first good
 * answer plus a short grace (or the time is up), and gives reconnecting
 * links a fresh look each time. The browsing itself is a function passed in
 * (net/mdns.ts by default), so tests feed answers without sockets.
 * @module
 */
import { browse as mdnsBrowse, type MdnsResponse } from "../net/mdns.ts";
import { delay } from "../shared/deadline.ts";
import { type DiscoveredServer, type LocalNetwork, localNetworks } from "./discovery.ts";
import type { ServerAddress } from "./index_client.ts";
import type { ServerCandidates } from "./index_link.ts";
import { matchesNetwork, reconnectOrder } from "./server_choice.ts";
import { ServerCollector } from "./server_collector.ts";

/** Longest look on the LAN before a peer command goes on. */
export const DISCOVERY_TIMEOUT_MS = 2_000;
/**
 * How long to listen for other servers after the first answer. Swapmeet
 * servers answer at once; RFC 6762 responders wait 20-120 ms before answering
 * a shared question, so this covers those too.
 */
export const DISCOVERY_GRACE_MS = 150;

/** Browses mDNS, handing responses on, until `signal` aborts (net/mdns.ts `browse`). */
export type Browse = (onResponse: (r: MdnsResponse) => void, signal: AbortSignal) => Promise<void>;

/** Options for findServers. */
export interface FindOptions {
  /** Longest look (default DISCOVERY_TIMEOUT_MS). */
  timeoutMs?: number;
  /** After the first good answer, listen this much longer, then stop (default DISCOVERY_GRACE_MS). */
  graceMs?: number;
  /** Listen the whole time instead of stopping after the first answer and the grace. */
  full?: boolean;
  /** Only a server of this network (see matchesNetwork) ends the look early. */
  network?: string;
  /** Stops looking at once. */
  signal?: AbortSignal;
  browse?: Browse;
  /** This machine's networks (default: from Deno.networkInterfaces()). */
  networks?: () => LocalNetwork[];
}

/**
 * The index servers that answer on the LAN, in the order heard, checked by
 * discovery.ts's rules and gathered by server_collector.ts's (a name
 * conflict stays in the list). Throws only when mDNS cannot be used at all.
 *
 * @example
 * ```ts
 * const servers = await findServers({ timeoutMs: 2_000 });
 * ```
 */
export async function findServers(options: FindOptions = {}): Promise<DiscoveredServer[]> {
  const networks = (options.networks ?? (() => localNetworks(interfaces())))();
  const found = new ServerCollector(networks);
  const stop = new AbortController();
  let heard: () => void = () => {};
  const firstHeard = new Promise<void>((resolve) => heard = resolve);
  const wanted = (s: DiscoveredServer) =>
    options.network === undefined || matchesNetwork(s, options.network);
  const browsing = (options.browse ?? mdnsBrowse)((response) => {
    if (found.add(response) && found.servers.some(wanted)) heard();
  }, stop.signal);
  let failure: unknown = null;
  const ended = browsing.catch((err) => failure = err);
  const enough = new Promise<void>((resolve) => {
    ended.then(() => resolve());
    options.signal?.addEventListener("abort", () => resolve(), { once: true });
    if (options.signal?.aborted) resolve();
    if (!options.full) {
      firstHeard.then(() => delay(options.graceMs ?? DISCOVERY_GRACE_MS, ended)).then(resolve);
    }
  });
  await delay(options.timeoutMs ?? DISCOVERY_TIMEOUT_MS, enough);
  stop.abort();
  await ended;
  if (failure !== null && found.servers.length === 0) throw failure;
  return found.servers;
}

/**
 * Candidate servers for a reconnecting link: `first` on the first call
 * (what the command found a moment ago), then a fresh look on the LAN on
 * every reconnection, ordered by server_choice.ts's reconnectOrder.
 *
 * @example
 * ```ts
 * const servers = lanServerSource([found[0]], found, {});
 * await Peer.start({ server: found[0], servers, shareDir: "." });
 * ```
 */
export function lanServerSource(
  first: ServerAddress[],
  found: DiscoveredServer[],
  options: { network?: string; find?: typeof findServers } = {},
): ServerCandidates {
  let pending: ServerAddress[] | null = first;
  let known = found;
  return async (last, signal) => {
    if (pending) {
      const list = pending;
      pending = null;
      return list;
    }
    const now = await (options.find ?? findServers)({ network: options.network, signal })
      .catch(() => [] as DiscoveredServer[]);
    const before = last && known.find((s) => s.host === last.host && s.port === last.port);
    known = before ? [...now, before] : now;
    return reconnectOrder(now, last && { address: last, name: before?.name }, options.network);
  };
}

/** This machine's network interfaces; none when they cannot be read (no --allow-sys). */
function interfaces(): Deno.NetworkInterfaceInfo[] {
  try {
    return Deno.networkInterfaces();
  } catch {
    return [];
  }
}
