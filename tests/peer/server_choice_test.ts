import assert from "node:assert/strict";
import type { DiscoveredServer } from "../../peer/discovery.ts";
import {
  nameConflicts,
  pickServers,
  reconnectOrder,
  serversAfter,
} from "../../peer/server_choice.ts";

const lab: DiscoveredServer = { name: "CS Lab index", host: "10.0.0.5", port: 1234, secret: false };
const physA: DiscoveredServer = {
  name: "phys-a",
  host: "10.0.0.6",
  port: 1234,
  secret: true,
  network: "physics",
};
const physB: DiscoveredServer = { ...physA, name: "phys-b", host: "10.0.0.7" };

Deno.test("pick: none, one, one network of several servers, or ambiguous", () => {
  assert.deepEqual(pickServers([]), { kind: "none" });
  assert.deepEqual(pickServers([lab]), { kind: "use", servers: [lab] });
  assert.deepEqual(pickServers([physA, physB]), { kind: "use", servers: [physA, physB] });
  assert.deepEqual(pickServers([lab, physA]), { kind: "ambiguous", servers: [lab, physA] });
  const twoOpen = [lab, { ...lab, name: "Other", host: "10.0.0.9" }];
  assert.equal(pickServers(twoOpen).kind, "ambiguous", "no network name: not one network");
});

Deno.test("pick with --network: by network name, else by instance name", () => {
  assert.deepEqual(pickServers([lab, physA, physB], "physics"), {
    kind: "use",
    servers: [physA, physB],
  });
  assert.deepEqual(pickServers([lab, physA], "CS Lab index"), { kind: "use", servers: [lab] });
  assert.deepEqual(pickServers([lab, physA], "chemistry"), { kind: "none" });
  assert.deepEqual(
    pickServers([lab], "cs lab index"),
    { kind: "use", servers: [lab] },
    "as in DNS",
  );
  assert.deepEqual(
    pickServers([physA], "Physics"),
    { kind: "none" },
    "network names match exactly",
  );
});

const impostor: DiscoveredServer = { ...lab, host: "10.0.0.66", port: 4321 };

Deno.test("two servers of one name are a conflict, never picked from, whatever else they are", () => {
  const conflict = (servers: DiscoveredServer[], network?: string) => {
    const pick = pickServers(servers, network);
    assert.equal(pick.kind, "conflict", JSON.stringify(servers));
    return pick.kind === "conflict" ? pick : null;
  };
  assert.deepEqual(conflict([lab, impostor])?.conflicts, [
    { name: "CS Lab index", servers: [lab, impostor], more: false },
  ]);
  assert.deepEqual(conflict([impostor, physA, lab])?.servers, [impostor, physA, lab]);
  // Names compare as in DNS; one network does not make them one server.
  conflict([lab, { ...impostor, name: "cs lab INDEX" }]);
  conflict([{ ...physA, name: "x" }, { ...physB, name: "x" }]);
  // --network by the shared name does not settle it...
  conflict([lab, impostor], "CS Lab index");
  // ...a network only one of them claims does.
  const ours = { ...lab, network: "cs" };
  assert.deepEqual(pickServers([impostor, ours], "cs"), { kind: "use", servers: [ours] });
  // A server whose name a turned-away answer claimed is a conflict on its own.
  assert.deepEqual(conflict([{ ...impostor, contested: true }])?.conflicts[0].more, true);
  assert.deepEqual(nameConflicts([lab, physA, physB]), []);
});

Deno.test("reconnect order: same name, then the LAN's unambiguous choice, then the old address", () => {
  const moved = { ...lab, host: "10.0.0.50" };
  const old = { host: "10.0.0.5", port: 1234 };
  assert.deepEqual(reconnectOrder([moved], { address: old, name: "CS Lab index" }), [
    { host: "10.0.0.50", port: 1234 },
    old,
  ]);
  // Back on another machine under that machine's name: the only server on the LAN.
  const renamed = { ...lab, name: "lab-pc-2", host: "10.0.0.60" };
  assert.deepEqual(reconnectOrder([renamed], { address: old, name: "CS Lab index" }), [
    { host: "10.0.0.60", port: 1234 },
    old,
  ]);
  // Several unrelated servers and none of ours: only the old address.
  assert.deepEqual(
    reconnectOrder([renamed, physA], { address: old, name: "CS Lab index" }),
    [old],
  );
  // ...unless one of them has our name.
  assert.deepEqual(reconnectOrder([physA, moved], { address: old, name: "CS Lab index" }), [
    { host: "10.0.0.50", port: 1234 },
    old,
  ]);
  // Nothing announced: the old address (the server may come back there without announcing).
  assert.deepEqual(reconnectOrder([], { address: old }), [old]);
  // Two servers now claim our name: neither is followed; the old address is.
  assert.deepEqual(reconnectOrder([moved, impostor], { address: old, name: "CS Lab index" }), [
    old,
  ]);
  assert.deepEqual(
    reconnectOrder([{ ...moved, contested: true }], { address: old, name: "CS Lab index" }),
    [old],
  );
  // A network keeps to its own servers.
  assert.deepEqual(reconnectOrder([lab, physB], { address: old }, "physics"), [
    { host: "10.0.0.7", port: 1234 },
    old,
  ]);
});

Deno.test("servers given in a list: after losing one, the next ones first, the lost one last", () => {
  const [a, b, c] = [1, 2, 3].map((n) => ({ host: `10.0.0.${n}`, port: 1234 }));
  assert.deepEqual(serversAfter([a, b, c], null), [a, b, c]);
  assert.deepEqual(serversAfter([a, b, c], a), [b, c, a]);
  assert.deepEqual(serversAfter([a, b, c], b), [c, a, b]);
  assert.deepEqual(serversAfter([a, b, c], c), [a, b, c]);
  assert.deepEqual(serversAfter([a, b], { host: "10.0.0.9", port: 1 }), [a, b]);
});
