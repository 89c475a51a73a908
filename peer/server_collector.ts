/**
 * The servers of one look on the LAN, gathered response by response. Anyone
 * on the LAN may answer under any name, so nothing one sender says may hide
 * or replace what another said:
 *
 * - every answer is kept as its sender's record: an answer is dropped only
 *   when it is the same server (instance name, case-insensitive, address,
 *   port, secret and network) that this sender already announced;
 * - answers with the same name that differ in anything are all kept: they
 *   are a conflict for server_choice.ts to report, never de-duplicated;
 * - a goodbye withdraws only the records its own sender announced under that
 *   name; a goodbye from any other address changes nothing;
 * - at most MAX_PER_SENDER records per sender address and MAX_SERVERS in
 *   all. Once an answer has been turned away for the whole list being full,
 *   the list takes no new record for the rest of the look (so a flood cannot
 *   let its own answer in after the real one was turned away), and a turned
 *   away answer whose name a kept server has marks that server `contested`.
 *
 * The same server announced by several senders is listed once, first heard
 * first; it stays listed while any of them has not said goodbye.
 * @module
 */
import type { MdnsResponse } from "../net/mdns.ts";
import { type DiscoveredServer, type LocalNetwork, parseResponse } from "./discovery.ts";

/** Records one look keeps; a LAN flooded with answers cannot grow it further. */
export const MAX_SERVERS = 32;
/** Records one sender address may hold (a machine may run a few index servers). */
export const MAX_PER_SENDER = 8;

interface Entry {
  from: string;
  /** Lower-case instance name. */
  key: string;
  server: DiscoveredServer;
  /** Another answer claimed this name but was turned away (full list). */
  contested: boolean;
}

/** Whether two answers describe the same server. */
function sameServer(a: DiscoveredServer, b: DiscoveredServer): boolean {
  return a.name.toLowerCase() === b.name.toLowerCase() && a.host === b.host &&
    a.port === b.port && a.secret === b.secret && a.network === b.network;
}

/**
 * Gathers the servers of one look on the LAN by the module's rules.
 *
 * @example
 * ```ts
 * const found = new ServerCollector(localNetworks(Deno.networkInterfaces()));
 * found.add(response);
 * console.log(found.servers);
 * ```
 */
export class ServerCollector {
  readonly #networks: LocalNetwork[];
  readonly #entries: Entry[] = [];
  #closed = false;

  constructor(networks: LocalNetwork[]) {
    this.#networks = networks;
  }

  /** Takes one response; returns whether the list changed. */
  add(response: MdnsResponse): boolean {
    const { servers, gone } = parseResponse(response, this.#networks);
    const from = response.from;
    let changed = false;
    for (const key of gone) {
      for (let i = this.#entries.length - 1; i >= 0; i--) {
        const e = this.#entries[i];
        if (e.from !== from || e.key !== key) continue;
        this.#entries.splice(i, 1);
        changed = true;
      }
    }
    for (const server of servers) {
      const mine = this.#entries.filter((e) => e.from === from);
      if (mine.some((e) => sameServer(e.server, server))) continue;
      const full = this.#entries.length >= MAX_SERVERS;
      if (full || this.#closed || mine.length >= MAX_PER_SENDER) {
        this.#closed ||= full;
        changed = this.#contest(server) || changed;
        continue;
      }
      this.#entries.push({ from, key: server.name.toLowerCase(), server, contested: false });
      changed = true;
    }
    return changed;
  }

  /** Marks the kept servers that a turned-away answer's name conflicts with. */
  #contest(server: DiscoveredServer): boolean {
    let changed = false;
    for (const e of this.#entries) {
      if (e.key !== server.name.toLowerCase() || e.contested) continue;
      if (sameServer(e.server, server)) continue;
      e.contested = true;
      changed = true;
    }
    return changed;
  }

  /**
   * The servers so far, in the order they were first heard, each once; a
   * name conflict shows as several servers of that name (or `contested`).
   */
  get servers(): DiscoveredServer[] {
    const out: DiscoveredServer[] = [];
    for (const e of this.#entries) {
      const at = out.findIndex((s) => sameServer(s, e.server));
      const server = e.contested ? { ...e.server, contested: true as const } : e.server;
      if (at < 0) out.push(server);
      else if (e.contested) out[at] = { ...out[at], contested: true };
    }
    return out;
  }
}
