/**
 * Test helper run on a test host: a hostile LAN host, as the security
 * review's script. Every 25 ms it says goodbye for `_swapmeet._tcp` instance
 * NAME and announces NAME itself, at HOST:PORT, with `secret=SECRET`
 * (0 or 1), until killed. Prints "announcing" once its socket is up.
 *
 * The goodbye and the announcement go in one response: sent apart, the
 * goodbye withdraws the impostor's own record until its next announcement,
 * and a look that ends in that gap hears only the real server (safe, but
 * then a test sees no conflict).
 *
 * Usage: _mdns_impostor.ts NAME HOST PORT SECRET
 * @module
 */
import { Bonjour } from "bonjour-service";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";

const [name, host, port, secret] = Deno.args;
interface Socket {
  respond(packet: { answers: unknown[] }): void;
  once(event: "ready", f: () => void): void;
}
const bonjour = new Bonjour({}, () => {});
const mdns = (bonjour as unknown as { server: { mdns: Socket } }).server.mdns;
await new Promise<void>((resolve) => mdns.once("ready", resolve));

const service = "_swapmeet._tcp.local";
const fqdn = `${name}.${service}`;
const records = [
  { name: service, type: "PTR", ttl: 0, data: fqdn },
  { name: service, type: "PTR", ttl: 120, data: fqdn },
  { name: fqdn, type: "SRV", ttl: 120, data: { port: Number(port), target: "evil.local" } },
  { name: fqdn, type: "TXT", ttl: 120, data: [`v=${PROTOCOL_VERSION}`, `secret=${secret}`] },
  { name: "evil.local", type: "A", ttl: 120, data: host },
];
setInterval(() => mdns.respond({ answers: records }), 25);
console.log("announcing");
