import assert from "node:assert/strict";

import { decodeMessage, encodeMessage, encodeMessageFrame } from "../../shared/codec.ts";
import { ProtocolError } from "../../shared/errors.ts";
import { encodeFrame, FrameDecoder } from "../../shared/framing.ts";
import type { Message } from "../../shared/protocol.ts";

const SHA = "ab".repeat(32);
const enc = new TextEncoder();

function decodeAll(decoder: FrameDecoder): Message[] {
  const out: Message[] = [];
  for (let p = decoder.next(); p; p = decoder.next()) out.push(decodeMessage(p));
  return out;
}

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
  { type: "HELLO", version: 2, port: 4000, host: "10.0.0.5", hostKey: SHA },
  { type: "HI", status: "ok", peerId: 7 },
  { type: "HI", status: "ok", peerId: 0, proof: SHA },
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
      }, {
        id: 3,
        host: "10.0.0.4",
        port: 9,
        sharedAt: "2026-01-01T00:00:02.000Z",
        name: "b.txt",
        unproven: true,
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
  ["short hostKey", '{"type":"HELLO","version":2,"port":1,"hostKey":"ab"}', "BAD_MESSAGE"],
  [
    "proof not hex",
    `{"type":"HI","status":"ok","peerId":0,"proof":"${"x".repeat(64)}"}`,
    "BAD_MESSAGE",
  ],
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
