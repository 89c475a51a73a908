import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeMessage, encodeMessage, encodeMessageFrame } from "../shared/codec.ts";
import { ProtocolError } from "../shared/errors.ts";
import { encodeFrame, FrameDecoder } from "../shared/framing.ts";
import type { Message } from "../shared/protocol.ts";

const SHA = "ab".repeat(32);
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

Deno.test("encodeMessageFrame gives the bytes of encodeFrame(encodeMessage()), ASCII or not", () => {
  assert.deepEqual(
    encodeMessageFrame({ type: "BYE" }),
    new Uint8Array([0, 0, 0, 14, ...enc.encode('{"type":"BYE"}')]),
  );
  const names = ["plain.txt", "café.mp3", "日本語.txt", "😀 smile.png", "a\u0000b"];
  for (const query of names) {
    const msg: Message = { type: "SEARCH", query, limit: 3 };
    assert.deepEqual(encodeMessageFrame(msg), encodeFrame(encodeMessage(msg)), query);
  }
  for (const msg of SAMPLES) {
    assert.deepEqual(encodeMessageFrame(msg), encodeFrame(encodeMessage(msg)));
  }
});

Deno.test("a HELLO frame decodes from its exact bytes", () => {
  const json = '{"type":"HELLO","version":1,"port":4000,"name":"ann"}';
  const bytes = new Uint8Array([0, 0, 0, json.length, ...enc.encode(json)]);
  const d = new FrameDecoder();
  d.push(bytes);
  assert.deepEqual(decodeAll(d), [{ type: "HELLO", version: 1, port: 4000, name: "ann" }]);
});

const SAMPLES: Message[] = [
  { type: "HELLO", version: 1, port: 0 },
  { type: "HI", status: "ok", peerId: 7 },
  {
    type: "REGISTER",
    files: [{
      name: "a/b.txt",
      type: "txt",
      size: 3,
      mtime: 1,
      sha256: SHA,
      description: "x y",
      chunkSize: 1048576,
      chunkRoot: SHA,
    }],
  },
  { type: "REGISTERED", status: "ok", count: 1, total: 1 },
  { type: "UNREGISTER", names: ["a/b.txt"] },
  { type: "SEARCH", query: "jazz live", limit: 5 },
  { type: "LOCATE", sha256: SHA },
  { type: "LIST" },
  {
    type: "FOUND",
    status: "ok",
    truncated: false,
    results: [{
      name: "b.txt",
      type: "txt",
      size: 3,
      mtime: 1,
      sha256: SHA,
      description: "",
      chunkSize: 1048576,
      chunkRoot: SHA,
      names: ["downloads/b.txt"],
      peers: [{
        id: 1,
        host: "10.0.0.2",
        port: 4000,
        sharedAt: "2026-01-01T00:00:00.000Z",
        name: "b.txt",
      }, {
        id: 2,
        host: "10.0.0.3",
        port: 4000,
        sharedAt: "2026-01-01T00:00:01.000Z",
        name: "downloads/b.txt",
        partial: true,
      }],
    }],
  },
  {
    type: "CHUNK_LIST",
    status: "ok",
    sha256: SHA,
    size: 3 * 1024 * 1024,
    chunkSize: 1024 * 1024,
    hashes: [SHA, SHA, SHA],
    have: "BQ==",
  },
  { type: "NOT_FOUND", status: "not_found", query: "zzz" },
  { type: "BYE" },
  { type: "DOWNLOAD", sha256: SHA, offset: 10, length: 20 },
  { type: "FILE", status: "ok", size: 20, offset: 10, total: 30 },
  { type: "ERROR", status: "error", code: "NOT_FOUND", message: "gone" },
];

Deno.test("every message type survives encode and decode unchanged", () => {
  for (const msg of SAMPLES) assert.deepEqual(decodeMessage(encodeMessage(msg)), msg);
});

const MALFORMED: [string, string, string][] = [
  ["not JSON", "{type", "BAD_FRAME"],
  ["JSON array", "[1,2]", "BAD_MESSAGE"],
  ["JSON null", "null", "BAD_MESSAGE"],
  ["no type", '{"port":1}', "BAD_MESSAGE"],
  ["numeric type", '{"type":5}', "BAD_MESSAGE"],
  ["unknown type", '{"type":"FLY"}', "UNKNOWN_TYPE"],
  ["prototype key as type", '{"type":"constructor"}', "UNKNOWN_TYPE"],
  ["HELLO without version", '{"type":"HELLO","port":1}', "BAD_MESSAGE"],
  ["negative port", '{"type":"HELLO","version":1,"port":-1}', "BAD_MESSAGE"],
  ["fractional port", '{"type":"HELLO","version":1,"port":1.5}', "BAD_MESSAGE"],
  ["port as string", '{"type":"HELLO","version":1,"port":"80"}', "BAD_MESSAGE"],
  ["files not a list", '{"type":"REGISTER","files":{}}', "BAD_MESSAGE"],
  [
    "file record missing sha",
    '{"type":"REGISTER","files":[{"name":"a","type":"","size":1,"mtime":1,"description":""}]}',
    "BAD_MESSAGE",
  ],
  ["upper-case sha", `{"type":"LOCATE","sha256":"${SHA.toUpperCase()}"}`, "BAD_MESSAGE"],
  ["short sha", '{"type":"DOWNLOAD","sha256":"abc"}', "BAD_MESSAGE"],
  ["query not a string", '{"type":"SEARCH","query":["a"]}', "BAD_MESSAGE"],
  ["names with a number", '{"type":"UNREGISTER","names":["a",1]}', "BAD_MESSAGE"],
  ["HI with bad status", '{"type":"HI","status":"nope","peerId":1}', "BAD_MESSAGE"],
];

Deno.test("malformed payloads are refused with the right error code", async (t) => {
  for (const [what, json, code] of MALFORMED) {
    await t.step(what, () => {
      assert.throws(
        () => decodeMessage(enc.encode(json)),
        (e: unknown) => e instanceof ProtocolError && e.code === code,
      );
    });
  }
  await t.step("invalid UTF-8", () => {
    assert.throws(
      () => decodeMessage(new Uint8Array([0x7b, 0xff, 0x7d])),
      (e: unknown) => e instanceof ProtocolError && e.code === "BAD_FRAME",
    );
  });
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
