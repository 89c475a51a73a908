import assert from "node:assert/strict";
import { ConnectionTable } from "../../net/connection_table.ts";

Deno.test("a full table without makeRoom refuses; the per-address cap comes first", () => {
  const t = new ConnectionTable<string>({ max: 2, maxPerAddress: 1 });
  assert.deepEqual(t.admit("h1"), { admit: true });
  t.add("a", "h1");
  assert.deepEqual(t.admit("h1"), { admit: false, reason: "address" });
  t.add("b", "h2");
  assert.deepEqual(t.admit("h3"), { admit: false, reason: "full" });
  t.remove("a");
  t.remove("a");
  assert.equal(t.size, 1);
  assert.deepEqual(t.admit("h3"), { admit: true });
});

Deno.test("a full table makes room: the longest-idle connection of the address with the most, never a busy one", () => {
  let now = 0;
  const t = new ConnectionTable<string>({
    max: 5,
    maxPerAddress: 4,
    makeRoom: true,
    now: () => now,
  });
  const flood = ["f1", "f2", "f3"].map((c) => t.add(c, "flood"));
  now = 10;
  const mine = t.add("m1", "me");
  t.add("o1", "other");
  now = 20;
  flood[0].used(); // f1 did something useful lately: f2 is the longest idle of flood
  flood[1].setBusy(true); // and f2 is sending: f3 goes
  assert.deepEqual(t.admit("new"), { admit: true, evict: "f3" });
  assert.equal(t.count("flood"), 2);
  t.add("n1", "new");
  // flood (2) has more than new (1): the longest idle one not busy is f1.
  assert.deepEqual(t.admit("new"), { admit: true, evict: "f1" });
  t.add("n2", "new");
  // No address has more than "new" now: a third from "new" is refused.
  assert.deepEqual(t.admit("new"), { admit: false, reason: "full" });
  // A newcomer makes room at the address with the most (new: 2), not at me or other (1 each).
  mine.setBusy(false);
  assert.deepEqual(t.admit("fresh"), { admit: true, evict: "n1" }, "the longer idle of new");
});
