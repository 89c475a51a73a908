import assert from "node:assert/strict";
import fc from "fast-check";
import type { MdnsRecord, MdnsResponse } from "../../net/mdns.ts";
import { cleanName, isLocalAddress, localNetworks, parseResponse } from "../../peer/discovery.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { answer, enc, NETS, V } from "./_answers.ts";

const txt = (...items: string[]) => items.map((s) => enc.encode(s));
const servers = (r: MdnsResponse) => parseResponse(r, NETS).servers;

Deno.test("a well-formed answer becomes one clean server", () => {
  assert.deepEqual(servers(answer()), [
    { name: "CS Lab index", host: "10.0.0.5", port: 1234, secret: false },
  ]);
  const withNet = answer({ txt: txt(V, "secret=1", "net=physics") });
  assert.deepEqual(servers(withNet), [
    { name: "CS Lab index", host: "10.0.0.5", port: 1234, secret: true, network: "physics" },
  ]);
  // Upper-case record names, string TXT entries and an empty TXT string are all legal DNS-SD.
  const loud = answer({ txt: [V.toUpperCase(), "", "Secret=0"] });
  loud.records[0].name = "_SWAPMEET._TCP.LOCAL";
  assert.equal(servers(loud).length, 1);
});

Deno.test("names with control, format or broken characters are dropped, never shown", () => {
  const bad = [
    "evil\u001b[2J", // terminal escape
    "two\nlines",
    "nul\u0000",
    "del\u007f",
    "csi\u009b31m", // C1 control
    "abc\u202etxt.exe", // right-to-left override
    "zero\u200bwidth",
    "line\u2028sep",
    "private\ue000",
    "broken\ufffd", // what invalid UTF-8 decodes to
    " padded",
    "padded ",
    "x".repeat(64),
    "é".repeat(32), // 64 bytes
  ];
  for (const name of bad) {
    assert.equal(cleanName(name), null, JSON.stringify(name));
    assert.deepEqual(servers(answer({ name })), [], JSON.stringify(name));
  }
  assert.equal(cleanName("x".repeat(63)), "x".repeat(63));
  assert.equal(cleanName("Café Ω lab (2)"), "Café Ω lab (2)");
  assert.equal(cleanName(""), null);
  assert.equal(cleanName(42), null);
});

Deno.test("ports outside 1-65535 or not whole numbers are dropped", () => {
  for (const port of [0, 70000, 65536, -1, 1.5, "1234", null, NaN]) {
    assert.deepEqual(servers(answer({ port })), [], String(port));
  }
  assert.equal(servers(answer({ port: 65535 }))[0].port, 65535);
  assert.equal(servers(answer({ port: 1 }))[0].port, 1);
});

Deno.test("huge, malformed or foreign TXT records are dropped", () => {
  const cases: [string, unknown][] = [
    ["over 400 bytes", txt(V, "secret=0", "pad=" + "x".repeat(400))],
    ["too many strings", txt(V, ...Array.from({ length: 16 }, (_, i) => `k${i}=1`))],
    ["invalid UTF-8", [enc.encode(V), new Uint8Array([0x6e, 0x3d, 0xff, 0xfe])]],
    ["no version", txt("secret=0")],
    ["another protocol version", txt(`v=${PROTOCOL_VERSION + 1}`, "secret=0")],
    ["version with junk", txt(`${V}x`)],
    ["secret neither 0 nor 1", txt(V, "secret=yes")],
    ["network name with an escape", txt(V, "net=ph\u001bysics")],
    ["empty network name", txt(V, "net=")],
    ["not a list", V],
    ["a number in the list", [1, 2]],
  ];
  for (const [what, data] of cases) assert.deepEqual(servers(answer({ txt: data })), [], what);
  // RFC 6763 §6.4: the first of a repeated key counts.
  const other = `v=${PROTOCOL_VERSION + 1}`;
  assert.equal(servers(answer({ txt: txt(V, other, "secret=1", "secret=x") }))[0].secret, true);
  assert.deepEqual(servers(answer({ txt: txt(other, V) })), []);
  // Missing secret means open; unknown keys are ignored (forward compatible).
  assert.equal(servers(answer({ txt: txt(V, "future=thing") }))[0].secret, false);
});

Deno.test("addresses off this machine's networks are dropped; the sender's is preferred", () => {
  const notLocal = [
    "8.8.8.8",
    "10.0.1.5", // next subnet
    "127.0.0.1",
    "0.0.0.0",
    "224.0.0.251",
    "255.255.255.255",
    "10.0.0.0", // network address
    "10.0.0.255", // broadcast
    "192.168.7.16", // outside the /28
    "10.0.0.05", // leading zero
    "10.0.0",
    "10.0.0.256",
    "fd00::5",
    "10.0.0.5 ",
    42,
    null,
  ];
  for (const a of notLocal) {
    assert.deepEqual(servers(answer({ a: [a] })), [], `A ${String(a)}`);
  }
  assert.equal(servers(answer({ a: ["8.8.8.8", "192.168.7.9"] }))[0].host, "192.168.7.9");
  assert.equal(
    servers(answer({ a: ["10.0.0.9", "10.0.0.5"], from: "10.0.0.5" }))[0].host,
    "10.0.0.5",
  );
  // No A record at all (an RFC responder may leave it out): the sender stands for the server.
  assert.equal(servers(answer({ a: [], from: "10.0.0.7" }))[0].host, "10.0.0.7");
  // A records for another host name do not count.
  const other = answer({ a: [] });
  other.records.push({ name: "elsewhere.local", type: "A", ttl: 120, data: "10.0.0.66" });
  assert.equal(servers(other)[0].host, "10.0.0.5");
});

Deno.test("answers from senders off this machine's networks are ignored whole", () => {
  for (const from of ["8.8.4.4", "10.0.1.1", "127.0.0.1", "::1", "undefined"]) {
    assert.deepEqual(servers(answer({ from })), [], from);
  }
});

Deno.test("broken record shapes and oversized responses are ignored without throwing", () => {
  const r = answer();
  r.records.unshift(
    { name: 5, type: "PTR", ttl: 120, data: "x" },
    { name: "_swapmeet._tcp.local", type: "PTR", ttl: "120", data: null },
    { name: "_swapmeet._tcp.local", type: "PTR", ttl: 120, data: { not: "a name" } },
    { name: "_swapmeet._tcp.local", type: "PTR", ttl: 120, data: "no-suffix.local" },
    null as unknown as MdnsRecord,
  );
  assert.equal(servers(r).length, 1, "the good answer in the same response still counts");
  const srvless = answer();
  srvless.records[1].data = null;
  assert.deepEqual(servers(srvless), []);
  const huge = answer();
  huge.records.push(...Array.from({ length: 64 }, () => huge.records[3]));
  assert.deepEqual(servers(huge), [], "a response of more than 64 records");
  assert.deepEqual(servers({ from: "10.0.0.5", records: "x" as unknown as MdnsRecord[] }), []);
});

Deno.test("parseResponse never throws and only ever yields clean servers, whatever arrives", () => {
  const anything = fc.anything({ withTypedArray: true, maxDepth: 3 });
  const record = fc.record({
    name: fc.oneof(fc.constantFrom("_swapmeet._tcp.local", "a._swapmeet._tcp.local"), anything),
    type: fc.oneof(fc.constantFrom("PTR", "SRV", "TXT", "A"), anything),
    ttl: fc.oneof(fc.constantFrom(0, 120), anything),
    data: fc.oneof(fc.constantFrom("a._swapmeet._tcp.local", "10.0.0.5"), anything),
  });
  fc.assert(
    fc.property(fc.array(record, { maxLength: 12 }), (records) => {
      for (const s of parseResponse({ from: "10.0.0.5", records }, NETS).servers) {
        assert.equal(cleanName(s.name), s.name);
        assert.ok(isLocalAddress(s.host, NETS));
        assert.ok(Number.isInteger(s.port) && s.port >= 1 && s.port <= 65535);
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("local networks: IPv4 interfaces from /8 to /32, loopback and IPv6 left out", () => {
  const nets = localNetworks([
    { family: "IPv4", address: "127.0.0.1", cidr: "127.0.0.1/8" },
    { family: "IPv6", address: "fd00::2", cidr: "fd00::2/64" },
    { family: "IPv4", address: "10.9.0.1", cidr: "10.9.0.1/4" },
    { family: "IPv4", address: "172.16.5.4", cidr: "172.16.5.4/16" },
    { family: "IPv4", address: "100.64.0.9", cidr: "100.64.0.9/32" },
  ]);
  assert.deepEqual(nets, [
    { address: "172.16.5.4", prefix: 16 },
    { address: "100.64.0.9", prefix: 32 },
  ]);
  assert.ok(isLocalAddress("172.16.200.1", nets));
  assert.ok(isLocalAddress("100.64.0.9", nets), "a /32 holds its own address");
  assert.ok(!isLocalAddress("100.64.0.10", nets));
  assert.ok(!isLocalAddress("10.9.0.2", nets), "a /4 is no LAN");
  const pointToPoint = [{ address: "10.1.1.0", prefix: 31 }];
  assert.ok(isLocalAddress("10.1.1.1", pointToPoint), "/31 has no network or broadcast address");
});
