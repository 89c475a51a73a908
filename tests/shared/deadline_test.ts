import assert from "node:assert/strict";
import { delay } from "../../shared/deadline.ts";

Deno.test("delay(Infinity) waits for its wake alone, with no timer and no warning", async () => {
  let wake = () => {};
  const woken = new Promise<void>((r) => wake = r);
  let done = false;
  const waiting = delay(Infinity, woken).then(() => done = true);
  // A timer of Infinity would fire after 1 ms (Node's TimeoutOverflowWarning): 50 ms pass first.
  await delay(50);
  assert.equal(done, false, "delay(Infinity) ended without its wake");
  wake();
  await waiting;
  assert.equal(done, true);
});

Deno.test("delay ends at its time, or earlier when woken", async () => {
  const t0 = performance.now();
  await delay(20);
  assert.ok(performance.now() - t0 >= 19);
  await delay(60_000, Promise.resolve()); // woken at once; leaves no timer (the sanitizer checks)
});
