/**
 * DNS-SD over multicast DNS (RFC 6763, RFC 6762) for `_swapmeet._tcp`: an
 * index server announces itself, peers browse for servers. With dial.ts and
 * tcp_service.ts, the only place that opens sockets. The mDNS package is
 * loaded on first use, so a command that never looks on the LAN starts as
 * fast as one without this file.
 * @module
 */
import { delay, withDeadline } from "../shared/deadline.ts";
import { SwapmeetError } from "../shared/errors.ts";

/** The DNS-SD service type of a Swapmeet index server. */
export const SERVICE_TYPE = "_swapmeet._tcp.local";

/** One resource record as the mDNS decoder made it: untrusted, every field is checked by its user. */
export interface MdnsRecord {
  name: unknown;
  type: unknown;
  ttl: unknown;
  data: unknown;
}

/** One mDNS response: its records (answers, then additionals) and the address it came from. */
export interface MdnsResponse {
  from: string;
  records: MdnsRecord[];
}

/** RFC 6762 §5.2: the second question goes at least a second after the first. */
const REQUERY_MS = 1_000;
/** RFC 6762 §8.1: three probes 250 ms apart; an answer to any means the name is taken. */
const PROBE_INTERVAL_MS = 250;
const PROBE_COUNT = 3;
/** How long stopping waits for the goodbye datagram and the socket to close. */
const CLOSE_MS = 1_000;
/** How long binding port 5353 may take. */
const OPEN_MS = 2_000;
/** Names tried before giving up: a responder that claims every name must not stall us forever. */
const MAX_NAME_TRIES = 8;

/** What this file uses of multicast-dns (the package types it as `any`). */
interface Mdns {
  on(event: "response", f: (packet: MdnsPacket, rinfo: { address: string }) => void): void;
  on(event: "ready" | "error" | "warning", f: (err: Error) => void): void;
  once(event: "ready" | "error", f: (err?: Error) => void): void;
  removeListener(event: "response", f: (packet: MdnsPacket) => void): void;
  query(q: { questions: { name: string; type: string }[] }): void;
}

interface MdnsPacket {
  answers?: MdnsRecord[];
  additionals?: MdnsRecord[];
}

const loadBonjour = () => import("bonjour-service");
type BonjourInstance = InstanceType<Awaited<ReturnType<typeof loadBonjour>>["Bonjour"]>;

let bonjourModule: ReturnType<typeof loadBonjour> | null = null;

/** Opens an mDNS socket on port 5353 (shared with other responders); throws when it cannot. */
async function open(): Promise<{ bonjour: BonjourInstance; mdns: Mdns }> {
  bonjourModule ??= loadBonjour();
  const { Bonjour } = await bonjourModule;
  // Without the callback, a failed answer to someone's question throws in a socket callback.
  const bonjour = new Bonjour({}, () => {});
  // The socket is private in the typings; browsing needs the raw responses, not its Browser.
  const mdns = (bonjour as unknown as { server: { mdns: Mdns } }).server.mdns;
  // A membership that cannot be joined or a packet that does not decode: that interface or
  // that packet is skipped, the socket goes on.
  mdns.on("warning", () => {});
  try {
    const ready = new Promise<void>((resolve, reject) => {
      mdns.once("ready", () => resolve());
      mdns.once("error", (err) => reject(err));
    });
    await withDeadline(ready, OPEN_MS, `no socket on port 5353 within ${OPEN_MS} ms`);
  } catch (err) {
    await closeBonjour(bonjour);
    throw new SwapmeetError(`Cannot use multicast DNS: ${(err as Error).message}`);
  }
  mdns.on("error", () => {});
  return { bonjour, mdns };
}

function closeBonjour(bonjour: BonjourInstance): Promise<void> {
  const closed = new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
  return withDeadline(closed, CLOSE_MS, "mDNS socket did not close").catch(() => {});
}

function recordsOf(packet: MdnsPacket): MdnsRecord[] {
  const answers = Array.isArray(packet.answers) ? packet.answers : [];
  const additionals = Array.isArray(packet.additionals) ? packet.additionals : [];
  return [...answers, ...additionals];
}

/**
 * Asks the LAN for `_swapmeet._tcp` services (again after a second, in case
 * the datagram was lost) and hands every response, and every announcement
 * heard meanwhile, to `onResponse` until `signal` aborts. Resolves once the
 * socket is closed; rejects when it cannot be opened.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * setTimeout(() => stop.abort(), 2_000);
 * await browse((r) => console.log(r.from, r.records.length), stop.signal);
 * ```
 */
export async function browse(
  onResponse: (response: MdnsResponse) => void,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  const { bonjour, mdns } = await open();
  mdns.on("response", (packet, rinfo) => {
    if (signal.aborted) return;
    try {
      onResponse({ from: String(rinfo?.address), records: recordsOf(packet ?? {}) });
    } catch {
      // A response the reader cannot take is dropped like any other bad answer.
    }
  });
  const ask = () => mdns.query({ questions: [{ name: SERVICE_TYPE, type: "PTR" }] });
  ask();
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await delay(REQUERY_MS, aborted);
  if (!signal.aborted) ask();
  await aborted;
  await closeBonjour(bonjour);
}

/** What an index server announces. */
export interface AnnounceOptions {
  /** Instance name; when taken on the LAN, "NAME (2)", "NAME (3)"... is used. */
  name: string;
  port: number;
  /** TXT record: key → value. */
  txt: Record<string, string>;
}

/** A running announcement. */
export interface Announcement {
  /** The instance name announced (after renaming on a conflict). */
  readonly name: string;
  /** Sends the goodbye (the records with TTL 0) and closes the socket. */
  withdraw(): Promise<void>;
}

/**
 * Announces `_swapmeet._tcp` on every IPv4 interface: probes for a free
 * instance name first (about a second), then answers questions and repeats
 * the announcement (1 s, 3 s, 9 s... apart) until withdrawn.
 *
 * @example
 * ```ts
 * const a = await announce({ name: "CS Lab index", port: 1234, txt: { v: "1", secret: "0" } });
 * await a.withdraw(); // goodbye
 * ```
 */
export async function announce(options: AnnounceOptions): Promise<Announcement> {
  const { bonjour, mdns } = await open();
  try {
    let name = options.name;
    for (let n = 2; await nameTaken(mdns, name); n++) {
      if (n > MAX_NAME_TRIES) {
        throw new SwapmeetError(`"${name}" and the names before it are taken`);
      }
      name = `${options.name} (${n})`;
    }
    bonjour.publish({
      name,
      type: "swapmeet",
      port: options.port,
      txt: options.txt,
      host: `${hostLabel()}.local`,
      probe: false,
      // Peers dial IPv4 (the server listens on 0.0.0.0); link-local IPv6 without a zone is noise.
      disableIPv6: true,
    });
    let withdrawn: Promise<void> | null = null;
    return {
      name,
      withdraw() {
        withdrawn ??= (async () => {
          const sent = new Promise<void>((resolve) => bonjour.unpublishAll(() => resolve()));
          await withDeadline(sent, CLOSE_MS, "goodbye not sent").catch(() => {});
          await closeBonjour(bonjour);
        })();
        return withdrawn;
      },
    };
  } catch (err) {
    await closeBonjour(bonjour);
    throw err;
  }
}

async function nameTaken(mdns: Mdns, name: string): Promise<boolean> {
  const fqdn = `${name}.${SERVICE_TYPE}`.toLowerCase();
  let taken = false;
  const listen = (packet: MdnsPacket) => {
    if (recordsOf(packet ?? {}).some((r) => String(r.name).toLowerCase() === fqdn)) taken = true;
  };
  mdns.on("response", listen);
  for (let i = 0; i < PROBE_COUNT && !taken; i++) {
    mdns.query({ questions: [{ name: fqdn, type: "ANY" }] });
    await delay(PROBE_INTERVAL_MS);
  }
  mdns.removeListener("response", listen);
  return taken;
}

/** This machine's name as a DNS label (letters, digits, hyphens). */
function hostLabel(): string {
  const label = Deno.hostname().split(".")[0].replace(/[^A-Za-z0-9-]/g, "-").slice(0, 63);
  return label.replace(/^-+|-+$/g, "") || "swapmeet";
}
