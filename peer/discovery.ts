/**
 * What mDNS answers about `_swapmeet._tcp` may tell a peer, and nothing
 * else: raw records from anyone on the LAN become a clean, de-duplicated list
 * of index servers. Pure: the machine's networks are passed in.
 *
 * An answer is dropped whole (never shown) unless all of this holds:
 * - it came from a local address (below), in a response of at most 64 records;
 * - its instance name is 1 to 63 bytes of UTF-8 without control, format,
 *   private-use, unassigned or separator characters (no escape codes, no
 *   bidi overrides, no U+FFFD from broken UTF-8), not starting or ending with
 *   a space;
 * - its SRV record gives a port from 1 to 65535;
 * - its TXT record is at most 400 bytes in at most 16 strings, each valid
 *   UTF-8; `v` is this peer's protocol version; `secret`, when present, is 0
 *   or 1; `net`, when present, follows the name rules;
 * - it has a local IPv4 address: an A record for its SRV target in the same
 *   response (or, when the response has no A record for it, the sender's
 *   address). IPv6 addresses are ignored: servers listen on IPv4.
 *
 * "Local" means: an IPv4 address inside the subnet of one of this machine's
 * IPv4 interfaces (its address and prefix, prefixes /8 to /32; loopback
 * interfaces excluded), and not that subnet's network or broadcast address,
 * nor any address in 0/8, 127/8 or 224/3. So a server is only ever dialled on
 * a network this machine is directly on, never routed elsewhere or to itself
 * through loopback.
 *
 * What one look keeps of the answers across responses (duplicates,
 * conflicts, goodbyes, caps) is server_collector.ts's.
 * @module
 */
import type { MdnsRecord, MdnsResponse } from "../net/mdns.ts";
import { PROTOCOL_VERSION } from "../shared/protocol.ts";

/** An IPv4 network this machine is on: one interface's address and prefix length. */
export interface LocalNetwork {
  address: string;
  prefix: number;
}

/** An index server found on the LAN. */
export interface DiscoveredServer {
  /** Instance name, checked: safe to print. */
  name: string;
  /** IPv4 address on a local network. */
  host: string;
  port: number;
  /** Whether it needs a private network secret. */
  secret: boolean;
  /** Network name (TXT `net`), when it has one. */
  network?: string;
  /**
   * Another answer claimed this instance name but was not kept (the look's
   * list was full): a name conflict, like two servers of one name.
   */
  contested?: true;
}

const SERVICE = "._swapmeet._tcp.local";
const MAX_RECORDS = 64;
const MAX_TXT_BYTES = 400;
const MAX_TXT_STRINGS = 16;
const MAX_NAME_BYTES = 63;

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const UNSAFE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}\uFFFD]/u;

/**
 * The text as a name to show, or null when it breaks the name rules.
 *
 * @example
 * ```ts
 * cleanName("CS Lab index"); // "CS Lab index"
 * cleanName("evil\u001b[2J"); // null
 * ```
 */
export function cleanName(text: unknown): string | null {
  if (typeof text !== "string" || text.length === 0 || text.length > MAX_NAME_BYTES) return null;
  if (encoder.encode(text).length > MAX_NAME_BYTES || UNSAFE.test(text)) return null;
  if (text.trim() !== text) return null;
  return text;
}

/** Dotted-quad IPv4 text as a number, or null (no leading zeros, no short forms). */
export function parseIPv4(text: unknown): number | null {
  if (typeof text !== "string") return null;
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** The IPv4 networks of this machine's interfaces (loopback and IPv6 left out). */
export function localNetworks(
  interfaces: Pick<Deno.NetworkInterfaceInfo, "family" | "address" | "cidr">[],
): LocalNetwork[] {
  const out: LocalNetwork[] = [];
  for (const i of interfaces) {
    const address = parseIPv4(i.address);
    const prefix = Number(i.cidr.split("/")[1]);
    if (i.family !== "IPv4" || address === null || address >>> 24 === 127) continue;
    if (Number.isInteger(prefix) && prefix >= 8 && prefix <= 32) {
      out.push({ address: i.address, prefix });
    }
  }
  return out;
}

/** Whether `text` is an IPv4 address on one of `networks` (see the module's rules). */
export function isLocalAddress(text: unknown, networks: LocalNetwork[]): boolean {
  const a = parseIPv4(text);
  if (a === null) return false;
  const first = a >>> 24;
  if (first === 0 || first === 127 || first >= 224) return false;
  return networks.some((n) => {
    const own = parseIPv4(n.address);
    if (own === null || n.prefix < 8 || n.prefix > 32) return false;
    const mask = n.prefix === 32 ? 0xffffffff : ~(0xffffffff >>> n.prefix) >>> 0;
    if (((a & mask) >>> 0) !== ((own & mask) >>> 0)) return false;
    const hostPart = (a & ~mask) >>> 0;
    return n.prefix > 30 || (hostPart !== 0 && hostPart !== (~mask >>> 0));
  });
}

/** What one response says: servers announced, and instance names withdrawn. */
export interface ParsedResponse {
  servers: DiscoveredServer[];
  /** Lower-case instance names said goodbye to. */
  gone: string[];
}

/** Reads one mDNS response by the module's rules. */
export function parseResponse(response: MdnsResponse, networks: LocalNetwork[]): ParsedResponse {
  const none = { servers: [], gone: [] };
  if (!isLocalAddress(response.from, networks) || !Array.isArray(response.records)) return none;
  if (response.records.length > MAX_RECORDS) return none;
  const records = response.records.filter(isRecord);
  const servers: DiscoveredServer[] = [];
  const gone: string[] = [];
  for (const ptr of records) {
    if (ptr.type !== "PTR" || lower(ptr.name) !== SERVICE.slice(1)) continue;
    const fqdn = typeof ptr.data === "string" ? ptr.data : "";
    if (!lower(fqdn).endsWith(SERVICE) || fqdn.length > 255) continue;
    const label = fqdn.slice(0, -SERVICE.length);
    if (ptr.ttl === 0) {
      gone.push(label.toLowerCase());
      continue;
    }
    const server = readInstance(label, fqdn, records, response.from, networks);
    if (server) servers.push(server);
  }
  return { servers, gone };
}

interface CheckedRecord {
  name: string;
  type: string;
  ttl: number;
  data: unknown;
}

function isRecord(r: MdnsRecord): r is CheckedRecord {
  return typeof r === "object" && r !== null && typeof r.name === "string" &&
    r.name.length <= 255 && typeof r.type === "string" && typeof r.ttl === "number";
}

function lower(text: unknown): string {
  return typeof text === "string" ? text.toLowerCase() : "";
}

function readInstance(
  label: string,
  fqdn: string,
  records: CheckedRecord[],
  from: string,
  networks: LocalNetwork[],
): DiscoveredServer | null {
  const name = cleanName(label);
  const key = fqdn.toLowerCase();
  const srv = records.find((r) => r.type === "SRV" && r.ttl > 0 && lower(r.name) === key);
  const txt = records.find((r) => r.type === "TXT" && r.ttl > 0 && lower(r.name) === key);
  if (name === null || !srv || !txt) return null;
  const { port, target } = (srv.data ?? {}) as { port?: unknown; target?: unknown };
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  if (typeof target !== "string") return null;
  const info = readTxt(txt.data);
  if (!info) return null;
  const a = records.filter((r) => r.type === "A" && r.ttl > 0 && lower(r.name) === lower(target));
  const local = a.map((r) => r.data).filter((d): d is string => isLocalAddress(d, networks));
  // The sender is local (checked first); without any A record it stands for the server.
  const host = a.length === 0 ? from : local.includes(from) ? from : local[0];
  if (host === undefined) return null;
  return { name, host, port, secret: info.secret, ...(info.network && { network: info.network }) };
}

function readTxt(data: unknown): { secret: boolean; network?: string } | null {
  if (!Array.isArray(data) || data.length > MAX_TXT_STRINGS) return null;
  const keys = new Map<string, string>();
  let total = 0;
  for (const item of data) {
    const bytes = typeof item === "string"
      ? encoder.encode(item)
      : item instanceof Uint8Array
      ? item
      : null;
    if (bytes === null) return null;
    total += bytes.length + 1;
    if (total > MAX_TXT_BYTES) return null;
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      return null;
    }
    if (text === "") continue;
    const eq = text.indexOf("=");
    const key = (eq < 0 ? text : text.slice(0, eq)).toLowerCase();
    // RFC 6763 §6.4: only the first of a repeated key counts.
    if (!keys.has(key)) keys.set(key, eq < 0 ? "" : text.slice(eq + 1));
  }
  if (keys.get("v") !== String(PROTOCOL_VERSION)) return null;
  const secret = keys.get("secret");
  if (secret !== undefined && secret !== "0" && secret !== "1") return null;
  const net = keys.get("net");
  const network = net === undefined ? undefined : cleanName(net);
  if (network === null) return null;
  return { secret: secret === "1", network };
}
