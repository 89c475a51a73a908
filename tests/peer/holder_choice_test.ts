import assert from "node:assert/strict";
import { afterChunkList, candidatesOf, holderFailures } from "../../peer/holder_choice.ts";
import type { Holder, SearchResult } from "../../shared/protocol.ts";

function holder(id: number, extra: Partial<Holder> = {}): Holder {
  return {
    id,
    host: `10.0.0.${id}`,
    port: 4000,
    sharedAt: "2026-11-30T12:00:00Z",
    name: "a",
    ...extra,
  };
}

function result(peers: Holder[]): SearchResult {
  const sha = "ab".repeat(32);
  return {
    name: "a",
    type: "file",
    size: 1,
    mtime: 0,
    sha256: sha,
    description: "",
    chunkSize: 1048576,
    chunkRoot: sha,
    peers,
  };
}

Deno.test("every listed holder is a candidate: confirmed before unproven, complete before partial, fastest first", () => {
  const peers = [
    holder(1, { unproven: true, rttMs: 0 }),
    holder(2, { partial: true, rttMs: 1 }),
    holder(3, { rttMs: 30 }),
    holder(4),
    holder(5, { rttMs: 2 }),
    holder(6, { unproven: true, partial: true, rttMs: 0 }),
    ...Array.from({ length: 20 }, (_, i) => holder(10 + i, { unproven: true })),
  ];
  const order = candidatesOf(result(peers)).map((h) => h.id);
  assert.deepEqual(order.slice(0, 5), [5, 3, 4, 2, 1]);
  assert.equal(order.length, peers.length, "none left out");
  assert.equal(order.at(-1), 6);
  assert.deepEqual(candidatesOf(result(peers), 3).map((h) => h.id), [3]);
  assert.throws(() => candidatesOf(result(peers), 99), /Peer 99 does not hold a/);
  assert.throws(() => candidatesOf(result([])), /Nobody holds a any more/);
  const many = Array.from({ length: 300 }, (_, i) => holder(i + 1));
  assert.equal(candidatesOf(result(many)).length, 100, "at most 100 from a list too long");
});

Deno.test("newcomers with a faster ping do not crowd out the longest-held holder", () => {
  // The index lists the longest-held first; 30 later registrants answer its pings at once.
  const honest = holder(1, { rttMs: 5 });
  const fast = Array.from({ length: 30 }, (_, i) => holder(100 + i, { rttMs: 0 }));
  const order = candidatesOf(result([honest, ...fast]));
  assert.ok(order.slice(0, 2).includes(honest), order.slice(0, 8).map((h) => h.id).join(","));
  assert.equal(order.length, 31);
});

Deno.test("after the chunk list: its sender first, then the others less those that failed", () => {
  const [a, b, c, d] = [1, 2, 3, 4].map((id) => holder(id));
  assert.deepEqual(afterChunkList([a, b, c, d], c, new Set([a])), [c, b, d]);
});

Deno.test("failures on one line: the first eight named, the others counted", () => {
  const reasons = Array.from({ length: 11 }, (_, i) => `peer ${i + 1}: refused`);
  const line = holderFailures(reasons);
  assert.match(line, /^peer 1: refused; .*peer 8: refused; and 3 other holders failed$/);
  assert.equal(holderFailures(reasons.slice(0, 9)).endsWith("and 1 other holder failed"), true);
  assert.equal(holderFailures(["x"]), "x");
});
