import assert from "node:assert/strict";
import { ChunkScheduler } from "../../peer/chunk_scheduler.ts";
import { UploadSlots } from "../../peer/upload_slots.ts";

const none = () => false;

Deno.test("chunks go out lowest first, in runs of up to `span`, skipping those already here", () => {
  const s = new ChunkScheduler(10, (i) => i === 2, { span: 3 });
  s.addHolder(0);
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [0, 1] });
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [3, 4, 5] });
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [6, 7, 8] });
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [9] });
  for (const i of [0, 1, 3, 4, 5, 6, 7, 8]) assert.ok(s.delivered(0, i));
  assert.ok(!s.finished);
  assert.ok(s.delivered(0, 9));
  assert.ok(s.finished);
  assert.deepEqual(s.next(0, 0), { kind: "done" });
  assert.equal(s.deliveredBy(0), 9);
});

Deno.test("a holder still downloading gets only chunks it has, and waits to be asked again otherwise", () => {
  const s = new ChunkScheduler(4, none, { haveRefreshMs: 1_000 });
  s.addHolder(0, new Uint8Array([0b0100])); // has chunk 2 only
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [2] });
  assert.deepEqual(s.next(0, 0), { kind: "wait", reason: "have", ms: 1_000 });
  s.setHave(0, new Uint8Array([0b1111]));
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [0] });
});

Deno.test("BUSY backs the holder off, growing with jitter, and its chunks go to the others at once", () => {
  let r = 0.5; // jitter factor 1.0
  const s = new ChunkScheduler(4, none, { busyInitialMs: 100, busyMaxMs: 1_000, random: () => r });
  s.addHolder(0);
  s.addHolder(1);
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [0] });
  assert.equal(s.busy(0, 0), 100);
  s.giveBack(0, [0]);
  assert.deepEqual(s.next(1, 0), { kind: "run", chunks: [0] }, "the other holder takes it");
  assert.deepEqual(s.next(0, 50), { kind: "wait", reason: "busy", ms: 50 });
  assert.equal(s.busy(0, 60), 40, "a BUSY to a request sent before the back-off does not grow it");
  assert.equal(s.next(0, 100).kind, "run");
  assert.equal(s.busy(0, 100), 200, "doubled");
  r = 0; // jitter factor 0.5
  assert.equal(s.busy(0, 300), 200, "400 ms times 0.5");
  r = 1; // jitter factor 1.5
  for (let t = 500; t < 20_000; t += 2_000) s.busy(0, t);
  assert.equal(s.busy(0, 30_000), 1_500, "capped at busyMaxMs, times 1.5");
});

Deno.test("by default a holder that answers BUSY is asked again before it drops the queue place", () => {
  const s = new ChunkScheduler(1, none, { random: () => 1 }); // the longest jitter, 1.5 times
  s.addHolder(0);
  let longest = 0;
  for (let t = 0; t < 600_000; t += 60_000) longest = Math.max(longest, s.busy(0, t));
  // Before: up to 30 s times 1.5, so a downloader kept waiting lost its place in the queue.
  assert.ok(longest < new UploadSlots(1).staleMs, `backed off for ${longest} ms`);
});

Deno.test("a chunk is delivered once: after BUSY or failure another holder's copy counts", () => {
  const s = new ChunkScheduler(2, none);
  s.addHolder(0);
  s.addHolder(1);
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [0] });
  assert.deepEqual(s.next(1, 0), { kind: "run", chunks: [1] });
  s.drop(1); // failed: chunk 1 goes back
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [1] });
  assert.ok(s.delivered(0, 0));
  assert.ok(s.delivered(0, 1));
  assert.ok(s.finished);
});

Deno.test("endgame: an idle holder also asks for a chunk in flight elsewhere; the first copy wins", () => {
  const s = new ChunkScheduler(2, none, { maxCopies: 2 });
  s.addHolder(0);
  s.addHolder(1);
  s.addHolder(2);
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [0] });
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [1] });
  assert.deepEqual(s.next(1, 0), { kind: "run", chunks: [0] }, "a copy of a chunk in flight");
  assert.deepEqual(s.next(1, 0), { kind: "run", chunks: [1] });
  assert.deepEqual(
    s.next(2, 0),
    { kind: "wait", reason: "none", ms: Infinity },
    "two copies at most",
  );
  assert.ok(s.delivered(1, 0));
  assert.ok(!s.delivered(0, 0), "the late copy is dropped");
  s.giveBack(0, [1]); // holder 0 failed; holder 1 still has chunk 1 in flight
  assert.deepEqual(s.next(2, 0), { kind: "run", chunks: [1] });
  assert.ok(s.delivered(2, 1));
  assert.ok(s.finished);
});

Deno.test("a holder that has nothing the others lack waits for news, not for a timer", () => {
  const s = new ChunkScheduler(1, none, { maxCopies: 1 });
  s.addHolder(0);
  s.addHolder(1);
  assert.deepEqual(s.next(0, 0), { kind: "run", chunks: [0] });
  assert.deepEqual(s.next(1, 0), { kind: "wait", reason: "none", ms: Infinity });
  s.giveBack(0, [0]);
  assert.deepEqual(s.next(1, 0), { kind: "run", chunks: [0] });
});
