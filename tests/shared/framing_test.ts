import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeMessage, encodeMessage } from "../../shared/codec.ts";
import { ProtocolError } from "../../shared/errors.ts";
import { encodeFrame, FrameDecoder } from "../../shared/framing.ts";
import type { Message } from "../../shared/protocol.ts";

const enc = new TextEncoder();

function decodeAll(decoder: FrameDecoder): Message[] {
  const out: Message[] = [];
  for (let p = decoder.next(); p; p = decoder.next()) out.push(decodeMessage(p));
  return out;
}

Deno.test("encodeFrame writes a 4-byte big-endian length before the payload", () => {
  assert.deepEqual(encodeFrame(enc.encode("{}")), new Uint8Array([0, 0, 0, 2, 0x7b, 0x7d]));
  assert.deepEqual(
    encodeFrame(encodeMessage({ type: "BYE" })),
    new Uint8Array([0, 0, 0, 14, ...enc.encode('{"type":"BYE"}')]),
  );
  const big = encodeFrame(new Uint8Array(0x010203));
  assert.deepEqual([...big.subarray(0, 4)], [0, 1, 2, 3]);
});

Deno.test("a length prefix above the limit is refused before the payload arrives", () => {
  const d = new FrameDecoder(1024);
  assert.throws(
    () => d.push(new Uint8Array([0, 0, 4, 1])),
    (e: unknown) => e instanceof ProtocolError && e.code === "FRAME_TOO_LARGE",
  );
  const huge = new FrameDecoder();
  assert.throws(() => huge.push(new Uint8Array([0xff, 0xff, 0xff, 0xff])), ProtocolError);
  assert.equal(huge.buffered, 4, "nothing beyond the prefix was buffered");
  assert.throws(() => encodeFrame(new Uint8Array(1025), 1024), RangeError);
});

Deno.test("a frame split into single bytes decodes once complete", () => {
  const frame = encodeFrame(encodeMessage({ type: "SEARCH", query: "x" }));
  const d = new FrameDecoder();
  for (let i = 0; i < frame.length - 1; i++) {
    d.push(frame.subarray(i, i + 1));
    assert.equal(d.ready, false);
    assert.equal(d.next(), null);
  }
  d.push(frame.subarray(frame.length - 1));
  assert.equal(d.ready, true);
  assert.deepEqual(decodeAll(d), [{ type: "SEARCH", query: "x" }]);
  assert.equal(d.ready, false);
});

Deno.test("after a length prefix over the limit, ready is true and next() throws at once", () => {
  const d = new FrameDecoder(10);
  assert.throws(() => d.push(new Uint8Array([0, 0, 0, 11])), /above the limit/);
  assert.equal(d.ready, true);
  assert.throws(() => d.next(), /above the limit/);
});

Deno.test("raw bytes after a frame are left for take()", () => {
  const d = new FrameDecoder();
  const header = encodeFrame(
    encodeMessage({ type: "FILE", status: "ok", size: 3, offset: 0, total: 3 }),
  );
  d.push(new Uint8Array([...header, 1, 2, 3, 0, 0]));
  assert.equal(decodeMessage(d.next()!).type, "FILE");
  assert.deepEqual(d.take(3), new Uint8Array([1, 2, 3]));
  assert.equal(d.buffered, 2);
  assert.deepEqual(d.take(10), new Uint8Array([0, 0]));
  assert.equal(d.next(), null);
});

Deno.test("next() returns a copy; nextView() a view valid until the decoder is used again", () => {
  const a = encodeFrame(new Uint8Array([1, 2, 3]));
  const b = encodeFrame(new Uint8Array([7, 8, 9]));
  const d = new FrameDecoder();
  d.push(a);
  const copy = d.next()!;
  d.push(a);
  const view = d.nextView()!;
  assert.deepEqual([...view], [1, 2, 3]);
  d.push(b); // the buffer is reused: the view now shows the new frame's bytes
  assert.deepEqual([...copy], [1, 2, 3], "the copy is unaffected");
  assert.notDeepEqual([...view], [1, 2, 3], "the view was overwritten");
  assert.deepEqual([...d.nextView()!], [7, 8, 9]);
});

Deno.test("property: any split of a frame stream decodes to the same messages", () => {
  const msgArb = fc.oneof(
    fc.record({ type: fc.constant("SEARCH" as const), query: fc.string({ maxLength: 200 }) }),
    fc.record({
      type: fc.constant("HI" as const),
      status: fc.constant("ok" as const),
      peerId: fc.nat(),
    }),
    fc.record({
      type: fc.constant("HELLO" as const),
      version: fc.nat(5),
      port: fc.nat(65535),
      name: fc.string({ unit: "binary", maxLength: 40 }),
    }),
  );
  fc.assert(
    fc.property(
      fc.array(msgArb, { minLength: 1, maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (msgs, cuts) => {
        const stream = new Uint8Array(msgs.flatMap((m) => [...encodeFrame(encodeMessage(m))]));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const d = new FrameDecoder();
        const got: Message[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          d.push(stream.subarray(prev, p));
          prev = p;
          // The connection's path: views into the decoder, decoded before the next push.
          for (let v = d.nextView(); v !== null; v = d.nextView()) got.push(decodeMessage(v));
        }
        assert.deepEqual(got, msgs.map((m) => ({ ...m })));
        assert.equal(d.buffered, 0);
      },
    ),
    { seed: 42, numRuns: 300 },
  );
});
