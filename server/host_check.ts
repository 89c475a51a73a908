/**
 * Which address the index gives out for a peer. By default the one it
 * connected from; the host named in HELLO only when downloaders could use it
 * (not unspecified, multicast, broadcast, nor a loopback address unless the
 * peer itself connected over loopback) and the peer itself proves it answers
 * there: a check passed in as a function so tests can replace it.
 * @module
 */
import { dial, dialTls } from "../net/dial.ts";
import { MessageConnection } from "../shared/connection.ts";
import { hostProof, newNonce, proofsMatch } from "../shared/handshake.ts";
import { type Holder, type Message, PROTOCOL_VERSION } from "../shared/protocol.ts";

/**
 * Resolves, with the address it reached, when the peer's own file server
 * answers at host:port: on a private network it completes TLS with the
 * peer's certificate `cert`; on an open network it proves it holds `key`,
 * the HELLO's hostKey. Rejects with the reason otherwise.
 */
export type HostCheck = (
  host: string,
  port: number,
  cert?: Uint8Array,
  key?: string,
) => Promise<string>;

/** Time the default check allows for connecting and the answer to HELLO. */
export const HOST_CHECK_MS = 2_000;

/**
 * The default HostCheck. Private network: dials host:port with TLS pinned to
 * `cert` (the handshake is the proof). Open network: dials and says HELLO
 * with a fresh nonce; the HI must carry hostProof(key, nonce), which only a
 * file server that was given `key` by the peer can make.
 *
 * @example
 * ```ts
 * await helloCheck()("192.168.1.20", 40123, undefined, hello.hostKey); // throws unless proven
 * ```
 */
export function helloCheck(timeoutMs = HOST_CHECK_MS): HostCheck {
  return async (host, port, cert, key) => {
    if (cert) {
      const tls = await dialTls(host, port, cert, timeoutMs); // the handshake is the proof
      tls.close();
      return (tls.remoteAddr as Deno.NetAddr).hostname;
    }
    if (!key) throw new Error("its HELLO carries no hostKey to prove it");
    const deadline = Date.now() + timeoutMs;
    const tcp = await dial(host, port, timeoutMs);
    const conn = new MessageConnection(tcp);
    try {
      const nonce = newNonce();
      await conn.send({ type: "HELLO", version: PROTOCOL_VERSION, port: 0, nonce });
      const hi = await conn.expect(["HI"], Math.max(1, deadline - Date.now()));
      if (!hi.proof || !proofsMatch(hi.proof, hostProof(key, nonce))) {
        throw new Error("the file server there did not prove it holds the peer's hostKey");
      }
      return tcp.remoteAddr.hostname;
    } finally {
      conn.close();
    }
  };
}

/**
 * Why downloaders could not use `host` for a peer that connected from
 * `seen`, or null when it may be checked.
 */
export function unusableHost(host: string, seen: string): string | null {
  const kind = addressKind(host);
  if (kind === "unspecified") return "it is an unspecified address";
  if (kind === "multicast") return "it is a multicast address";
  if (kind === "broadcast") return "it is a broadcast address";
  if (kind === "loopback" && addressKind(seen) !== "loopback") {
    return "it is a loopback address and the peer connected from another machine";
  }
  return null;
}

type AddressKind = "unspecified" | "multicast" | "broadcast" | "loopback" | "other";

/** Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost, in any spelling). */
export function isLoopback(host: string): boolean {
  return addressKind(host) === "loopback";
}

/**
 * A reply as a requester on another machine must see it: holders on the
 * server's own machine (registered from a loopback address) are given the
 * address `serverHost` that requester reached the server at.
 */
export function reachableFrom(reply: Message, serverHost: string): Message {
  if (reply.type !== "FOUND") return reply;
  const local = (h: Holder) => isLoopback(h.host);
  if (!reply.results.some((r) => r.peers.some(local))) return reply;
  return {
    ...reply,
    results: reply.results.map((r) =>
      r.peers.some(local)
        ? { ...r, peers: r.peers.map((h) => local(h) ? { ...h, host: serverHost } : h) }
        : r
    ),
  };
}

/**
 * What kind of address `host` is. The URL parser reads it as a browser (and
 * getaddrinfo) would, so `127.1`, `0x7f000001` and `[0:0::1]` are loopback too.
 */
function addressKind(host: string): AddressKind {
  let h: string;
  try {
    h = new URL(`http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}/`)
      .hostname.replace(/^\[|\]$/g, "");
  } catch {
    return "other";
  }
  if (h === "localhost" || h.endsWith(".localhost")) return "loopback";
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
    h = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    if (a === 0) return "unspecified";
    if (a === 127) return "loopback";
    if (a >= 224 && a <= 239) return "multicast";
    if (a === 255 && b === 255 && c === 255 && d === 255) return "broadcast";
    return a >= 240 ? "broadcast" : "other"; // 240/4 is reserved: nobody answers there
  }
  if (h === "::") return "unspecified";
  if (h === "::1") return "loopback";
  if (h.startsWith("ff")) return "multicast";
  return "other";
}
