/**
 * Which of the index servers found on the LAN a peer uses, at start and when
 * it reconnects. Pure rules; the looking is lan_finder.ts's.
 *
 * Anyone on the LAN can announce a server under any name, so two servers of
 * one instance name (case-insensitive, as in DNS) are a conflict that only a
 * person can settle: they are never picked from silently.
 * @module
 */
import type { DiscoveredServer } from "./discovery.ts";
import type { ServerAddress } from "./index_client.ts";

/**
 * Whether `--network NAME` picks this server: its network name, or else its
 * instance name (case-insensitive, as in DNS).
 */
export function matchesNetwork(server: DiscoveredServer, network: string): boolean {
  return server.network === network || server.name.toLowerCase() === network.toLowerCase();
}

/** Servers that call themselves by one instance name. */
export interface NameConflict {
  /** The name as the first of them gave it. */
  name: string;
  servers: DiscoveredServer[];
  /** Others claimed the name too but were not kept (see DiscoveredServer.contested). */
  more: boolean;
}

/**
 * The name conflicts among `servers`: names that more than one server
 * claims (or that a turned-away answer claimed too).
 *
 * @example
 * ```ts
 * nameConflicts(found).map((c) => c.name); // ["lab"] when two servers call themselves lab
 * ```
 */
export function nameConflicts(servers: DiscoveredServer[]): NameConflict[] {
  const byName = new Map<string, DiscoveredServer[]>();
  for (const s of servers) {
    const key = s.name.toLowerCase();
    byName.set(key, [...byName.get(key) ?? [], s]);
  }
  return [...byName.values()]
    .filter((group) => group.length > 1 || group[0].contested)
    .map((group) => ({
      name: group[0].name,
      servers: group,
      more: group.some((s) => s.contested),
    }));
}

/** What to do with the servers found. */
export type ServerPick =
  /** Nothing (that matches `--network`) answered. */
  | { kind: "none" }
  /** One server, or several of one network (any of them serves the same index): in this order. */
  | { kind: "use"; servers: DiscoveredServer[] }
  /** Servers of different networks: a person must choose. */
  | { kind: "ambiguous"; servers: DiscoveredServer[] }
  /** Servers that claim one name (a possible impostor): a person must choose. */
  | { kind: "conflict"; servers: DiscoveredServer[]; conflicts: NameConflict[] };

/**
 * Picks among `found` (in the order heard), keeping only those that match
 * `network` when it is given. A name conflict among those is never settled
 * here.
 *
 * @example
 * ```ts
 * const pick = pickServers(found, "physics");
 * if (pick.kind === "use") connectTo(pick.servers[0]);
 * ```
 */
export function pickServers(found: DiscoveredServer[], network?: string): ServerPick {
  const servers = network === undefined ? found : found.filter((s) => matchesNetwork(s, network));
  if (servers.length === 0) return { kind: "none" };
  const conflicts = nameConflicts(servers);
  if (conflicts.length > 0) return { kind: "conflict", servers, conflicts };
  const net = servers[0].network;
  if (servers.length === 1 || (net !== undefined && servers.every((s) => s.network === net))) {
    return { kind: "use", servers };
  }
  return { kind: "ambiguous", servers };
}

/** The server a peer was connected to before it lost it. */
export interface PreviousServer {
  address: ServerAddress;
  /** Its instance name, when it was found on the LAN. */
  name?: string;
}

/**
 * Where a peer that lost its server (and was given no address) tries next,
 * in order: the one server of the same name (it moved; never one of several
 * that claim the name), then what `pickServers` would use now (the server
 * came back elsewhere under another name: only when that choice is
 * unambiguous), then the old address (it comes back in place without
 * announcing). No duplicates.
 *
 * @example
 * ```ts
 * reconnectOrder(found, { address: { host: "10.0.0.5", port: 1234 }, name: "CS Lab index" });
 * ```
 */
export function reconnectOrder(
  found: DiscoveredServer[],
  previous: PreviousServer | null,
  network?: string,
): ServerAddress[] {
  const order: ServerAddress[] = [];
  const add = (a: ServerAddress) => {
    if (!order.some((o) => o.host === a.host && o.port === a.port)) {
      order.push({ host: a.host, port: a.port });
    }
  };
  if (previous?.name !== undefined) {
    const key = previous.name.toLowerCase();
    const named = found.filter((s) => s.name.toLowerCase() === key);
    if (nameConflicts(named).length === 0) named.forEach(add);
  }
  const pick = pickServers(found, network);
  if (pick.kind === "use") pick.servers.forEach(add);
  if (previous) add(previous.address);
  return order;
}

/**
 * Where a peer given several servers of one network (`--server H1:P1,H2:P2`)
 * tries next after losing `last`: the ones after it, then from the first, so
 * the one lost comes last (it may be back by then).
 *
 * @example
 * ```ts
 * serversAfter([a, b, c], b); // [c, a, b]
 * ```
 */
export function serversAfter(list: ServerAddress[], last: ServerAddress | null): ServerAddress[] {
  const i = last ? list.findIndex((s) => s.host === last.host && s.port === last.port) : -1;
  return i < 0 ? list : [...list.slice(i + 1), ...list.slice(0, i + 1)];
}
