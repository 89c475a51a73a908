import assert from "node:assert/strict";
import type { MdnsResponse } from "../../net/mdns.ts";
import { MAX_PER_SENDER, MAX_SERVERS, ServerCollector } from "../../peer/server_collector.ts";
import { answer, NETS, V } from "./_answers.ts";

/** "name host:port" of each server listed, "!" after a contested one. */
const listed = (c: ServerCollector) =>
  c.servers.map((s) => `${s.name} ${s.host}:${s.port}${s.contested ? " !" : ""}`);

/** Sent by the impostor's machine about itself. */
const evil = { from: "10.0.0.66", a: ["10.0.0.66"], target: "evil.local" };
/** The reviewer's impostor: the real server's instance name, its own address and port. */
const impostor = (o: { ttl?: number } = {}) => answer({ ...evil, port: 4321, ...o });

Deno.test("the same answer again, or from a second sender, is one server", () => {
  const c = new ServerCollector(NETS);
  assert.equal(c.add(answer()), true);
  assert.equal(c.add(answer()), false, "the same answer again");
  assert.equal(c.add(answer({ from: "10.0.0.9" })), true, "a second sender's record is kept");
  assert.deepEqual(listed(c), ["CS Lab index 10.0.0.5:1234"]);
  // Either sender's goodbye leaves the other's record: the server stays listed.
  assert.equal(c.add(answer({ from: "10.0.0.9", ttl: 0 })), true);
  assert.deepEqual(listed(c), ["CS Lab index 10.0.0.5:1234"]);
  assert.equal(c.add(answer({ ttl: 0 })), true);
  assert.deepEqual(listed(c), []);
});

Deno.test("an impostor under the same name is kept beside the real server, whoever came first", () => {
  for (const order of [[answer(), impostor()], [impostor(), answer()]]) {
    const c = new ServerCollector(NETS);
    for (const r of order) assert.equal(c.add(r), true);
    assert.deepEqual(listed(c).sort(), [
      "CS Lab index 10.0.0.5:1234",
      "CS Lab index 10.0.0.66:4321",
    ]);
  }
  // The name is compared as DNS does (case-insensitive); any other difference is a conflict too.
  const c = new ServerCollector(NETS);
  c.add(answer());
  c.add(answer({ name: "cs lab INDEX", from: "10.0.0.66", a: ["10.0.0.66"] }));
  c.add(answer({ from: "10.0.0.67", a: ["10.0.0.5"], txt: [V, "secret=1"] }));
  assert.equal(c.servers.length, 3);
});

Deno.test("another name at the real server's address and port hides nothing", () => {
  const c = new ServerCollector(NETS);
  c.add(answer({ name: "decoy", from: "10.0.0.66", a: ["10.0.0.5"] }));
  c.add(impostor());
  c.add(answer());
  assert.deepEqual(listed(c), [
    "decoy 10.0.0.5:1234",
    "CS Lab index 10.0.0.66:4321",
    "CS Lab index 10.0.0.5:1234",
  ]);
});

Deno.test("a goodbye withdraws only what its own sender announced", () => {
  const c = new ServerCollector(NETS);
  c.add(answer());
  // The reviewer's second attack: the impostor says goodbye for the real server, then announces.
  assert.equal(c.add(impostor({ ttl: 0 })), false, "a goodbye from elsewhere changes nothing");
  c.add(impostor());
  assert.deepEqual(listed(c), ["CS Lab index 10.0.0.5:1234", "CS Lab index 10.0.0.66:4321"]);
  // The impostor's goodbye for the name, even with the real server's records, takes its own only.
  assert.equal(c.add({ ...answer({ ttl: 0 }), from: "10.0.0.66" }), true);
  assert.deepEqual(listed(c), ["CS Lab index 10.0.0.5:1234"]);
  assert.equal(c.add(answer({ ttl: 0 })), true, "the real server's own goodbye");
  assert.deepEqual(listed(c), []);
});

Deno.test("a flood from one sender stays within its share and cannot crowd out another", () => {
  const c = new ServerCollector(NETS);
  const flood = (i: number): MdnsResponse =>
    answer({ name: i % 2 ? `s${i}` : "CS Lab index", port: 5000 + i, ...evil });
  for (let i = 0; i < 10_000; i++) c.add(flood(i));
  assert.equal(c.servers.length, MAX_PER_SENDER);
  assert.equal(c.add(answer()), true, "the real server still gets in");
  assert.equal(c.servers.filter((s) => s.host === "10.0.0.5").length, 1);
  // Goodbyes and new names from the flooder keep it within its share.
  for (let i = 0; i < 1_000; i++) {
    c.add({ ...flood(i), records: flood(i).records.map((r) => ({ ...r, ttl: 0 })) });
    c.add(flood(i + 20_000));
  }
  assert.ok(c.servers.length <= MAX_PER_SENDER + 1);
  assert.ok(c.servers.some((s) => s.host === "10.0.0.5"));
});

Deno.test("a full list stays closed for the look; a turned-away answer marks its name contested", () => {
  const c = new ServerCollector(NETS);
  const senders = Math.ceil(MAX_SERVERS / MAX_PER_SENDER);
  // An impostor first, then junk from enough addresses to fill the list.
  c.add(impostor());
  for (let i = 1; c.servers.length < MAX_SERVERS; i++) {
    c.add(answer({ name: `junk${i}`, port: 6000 + i, from: `10.0.0.${100 + (i % senders)}` }));
  }
  assert.equal(c.add(answer({ name: "Physics", port: 4000 })), false, "full: not kept");
  assert.equal(c.add(answer()), true, "the real server is turned away, but contests the name");
  assert.deepEqual(listed(c)[0], "CS Lab index 10.0.0.66:4321 !");
  assert.equal(c.servers.length, MAX_SERVERS);
  // The flooder frees a slot: its next answer under the real name does not get in.
  c.add(answer({ name: "junk1", port: 6001, from: "10.0.0.101", ttl: 0 }));
  assert.equal(c.servers.length, MAX_SERVERS - 1);
  c.add(answer({ name: "Other", port: 7000, from: "10.0.0.101" }));
  assert.equal(c.servers.length, MAX_SERVERS - 1, "closed for the rest of the look");
});
