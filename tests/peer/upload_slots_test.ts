import assert from "node:assert/strict";

import { UploadSlots } from "../../peer/upload_slots.ts";

Deno.test("upload slots are granted first come, first served, with queue positions", () => {
  const slots = new UploadSlots<string>(2);
  assert.deepEqual(slots.acquire("a"), { granted: true });
  assert.deepEqual(slots.acquire("b"), { granted: true });
  assert.deepEqual(slots.acquire("c"), { granted: false, position: 1 });
  assert.deepEqual(slots.acquire("d"), { granted: false, position: 2 });
  assert.deepEqual(slots.acquire("a"), { granted: true }, "a holder keeps its slot");
  slots.release("a");
  assert.deepEqual(slots.acquire("d"), { granted: false, position: 2 }, "d may not jump the queue");
  assert.deepEqual(slots.acquire("c"), { granted: true });
  assert.deepEqual(slots.acquire("d"), { granted: false, position: 1 });
  slots.release("d");
  assert.equal(slots.waiting, 0);
  assert.equal(slots.inUse, 2);
});

Deno.test("a queued downloader that stops asking loses its place", () => {
  const slots = new UploadSlots<string>(1, { staleMs: 1_000 });
  assert.deepEqual(slots.acquire("a", "h1", 0), { granted: true });
  assert.deepEqual(slots.acquire("b", "h2", 0), { granted: false, position: 1 });
  assert.deepEqual(slots.acquire("c", "h3", 500), { granted: false, position: 2 });
  slots.release("a");
  // b went quiet for more than a second: c, which kept asking, is next.
  assert.deepEqual(slots.acquire("c", "h3", 1_400), { granted: true });
  assert.deepEqual(slots.acquire("b", "h2", 1_500), { granted: false, position: 1 });
});

Deno.test("a holder whose downloader kept it waiting past slowMs gives up its slot to one who waits", () => {
  const evicted: string[] = [];
  const slots = new UploadSlots<string>(2, {
    perAddress: 2,
    slowMs: 1_000,
    evict: (o) => evicted.push(o),
  });
  assert.deepEqual(slots.acquire("slow", "h1", 0), { granted: true });
  assert.deepEqual(slots.acquire("fast", "h1", 0), { granted: true });
  slots.writeStarted("slow", 0); // its downloader takes nothing for a while
  slots.writeStarted("fast", 0);
  slots.writeEnded("fast", 10);
  assert.deepEqual(slots.acquire("w1", "h2", 900), { granted: false, position: 1 });
  assert.deepEqual(evicted, [], "not slow yet");
  slots.writeEnded("slow", 1_200); // waited 1.2 s in all: slow, but nobody asks now
  slots.writeStarted("slow", 5_000); // and it goes on sending, nobody waiting
  assert.deepEqual(slots.acquire("w1", "h2", 5_100), { granted: true }, "w1 takes its slot");
  assert.deepEqual(evicted, ["slow"]);
  assert.deepEqual(slots.acquire("w2", "h2", 5_100), { granted: false, position: 1 });
  assert.deepEqual(evicted, ["slow"], "the fast holder keeps its slot");
  assert.equal(slots.inUse, 2);
});

Deno.test("slow holders are evicted only as many as downloaders wait, slowest first", () => {
  const evicted: string[] = [];
  const slots = new UploadSlots<string>(3, {
    perAddress: 3,
    slowMs: 100,
    evict: (o) => evicted.push(o),
  });
  for (const o of ["a", "b", "c"]) slots.acquire(o, "h1", 0);
  slots.writeStarted("a", 0);
  slots.writeStarted("b", 50);
  slots.writeStarted("c", 20);
  assert.deepEqual(slots.acquire("w", "h2", 1_000), { granted: true });
  assert.deepEqual(evicted, ["a"]);
  // A waiter whose address may hold no more slots frees none.
  const capped = new UploadSlots<string>(2, {
    perAddress: 1,
    slowMs: 100,
    evict: (o) => evicted.push(o),
  });
  capped.acquire("x", "h3", 0);
  capped.acquire("y", "h4", 0);
  capped.writeStarted("x", 0);
  capped.writeStarted("y", 0);
  assert.deepEqual(capped.acquire("z", "h3", 1_000), { granted: false, position: 1 });
  assert.deepEqual(evicted, ["a"]);
});
