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
