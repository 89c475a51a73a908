/**
 * Message codec: JSON over UTF-8, with every field checked against a schema.
 * Pure functions; no I/O.
 * @module
 */
import { ProtocolError } from "./errors.ts";
import { encodeFrame, FRAME_HEADER_BYTES } from "./framing.ts";
import type { Message, MessageType } from "./protocol.ts";

type Field =
  | "string"
  | "uint"
  | "boolean"
  | "files"
  | "strings"
  | "results"
  | "holders"
  | "hashes"
  | "ok"
  | "cert" // a certificate: base64, at most MAX_CERT_CHARS characters
  | "sha256"; // also any 32-byte value in hex: nonces and HMAC proofs
/** A field spec: its kind, and whether it may be absent. */
type Spec = Record<string, `${Field}` | `${Field}?`>;

const FILE_RECORD: Spec = {
  name: "string",
  type: "string",
  size: "uint",
  mtime: "uint",
  sha256: "sha256",
  description: "string",
  chunkSize: "uint",
  chunkRoot: "sha256",
  partial: "boolean?",
};
const HOLDER: Spec = {
  id: "uint",
  host: "string",
  port: "uint",
  sharedAt: "string",
  name: "string",
  rttMs: "uint?",
  partial: "boolean?",
  unproven: "boolean?",
  cert: "cert?",
};

const RESULT: Spec = { ...FILE_RECORD, names: "strings?", peers: "holders" };

const SCHEMAS: Record<MessageType, Spec> = {
  HELLO: {
    version: "uint",
    port: "uint",
    name: "string?",
    host: "string?",
    hostKey: "sha256?",
    nonce: "sha256?",
    cert: "cert?",
  },
  CHALLENGE: { status: "ok", nonce: "sha256", proof: "sha256" },
  AUTH: { proof: "sha256" },
  HI: { status: "ok", peerId: "uint", heartbeat: "uint?", proof: "sha256?" },
  PING: { seq: "uint" },
  PONG: { status: "ok", seq: "uint" },
  SHUTDOWN: { status: "ok", message: "string" },
  REGISTER: { files: "files" },
  REGISTERED: { status: "ok", count: "uint", total: "uint" },
  UNREGISTER: { names: "strings" },
  UNREGISTERED: { status: "ok", count: "uint", total: "uint" },
  SEARCH: { query: "string", limit: "uint?" },
  LOCATE: { sha256: "sha256" },
  LIST: { limit: "uint?" },
  FOUND: { status: "ok", results: "results", truncated: "boolean" },
  NOT_FOUND: { status: "string", query: "string" },
  BYE: { status: "string?" },
  DOWNLOAD: { sha256: "sha256", offset: "uint?", length: "uint?" },
  FILE: { status: "ok", size: "uint", offset: "uint", total: "uint" },
  CHUNKS: { sha256: "sha256" },
  CHUNK_LIST: {
    status: "ok",
    sha256: "sha256",
    size: "uint",
    chunkSize: "uint",
    hashes: "hashes",
    have: "string?",
  },
  BUSY: { status: "string", position: "uint" },
  ERROR: { status: "string", code: "string", message: "string" },
};

const SHA256 = /^[0-9a-f]{64}$/;
/** Longest certificate in base64 accepted (ours are about 450 characters). */
export const MAX_CERT_CHARS = 4096;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Serialises a message to UTF-8 JSON bytes (the frame payload). */
export function encodeMessage(msg: Message): Uint8Array {
  return encoder.encode(JSON.stringify(msg));
}

/**
 * The whole frame of a message: `encodeFrame(encodeMessage(msg))` without the
 * limit check (the caller checks `frame.length - FRAME_HEADER_BYTES`). JSON
 * that is all ASCII, as most messages are, is encoded in place after the
 * prefix: one buffer instead of two and a copy.
 */
export function encodeMessageFrame(msg: Message): Uint8Array {
  const json = JSON.stringify(msg);
  const frame = new Uint8Array(FRAME_HEADER_BYTES + json.length);
  const { read, written } = encoder.encodeInto(json, frame.subarray(FRAME_HEADER_BYTES));
  if (read < json.length) {
    const payload = encoder.encode(json);
    return encodeFrame(payload, payload.length);
  }
  new DataView(frame.buffer).setUint32(0, written);
  return frame;
}

/** Parses and validates a frame payload. Throws ProtocolError on anything unexpected. */
export function decodeMessage(payload: Uint8Array): Message {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(payload));
  } catch {
    throw new ProtocolError("BAD_FRAME", "Frame is not valid UTF-8 JSON");
  }
  if (!isObject(value)) throw new ProtocolError("BAD_MESSAGE", "Message is not a JSON object");
  const type = value.type;
  if (typeof type !== "string") {
    throw new ProtocolError("BAD_MESSAGE", "Message has no string `type`");
  }
  if (!Object.hasOwn(SCHEMAS, type)) {
    throw new ProtocolError("UNKNOWN_TYPE", `Unknown message type ${JSON.stringify(type)}`);
  }
  checkObject(value, SCHEMAS[type as MessageType], type);
  return value as unknown as Message;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Spec entries, computed once per spec (this runs for every message). */
const ENTRIES = new WeakMap<Spec, [string, string][]>();

function checkObject(obj: Record<string, unknown>, spec: Spec, where: string): void {
  let entries = ENTRIES.get(spec);
  if (!entries) ENTRIES.set(spec, entries = Object.entries(spec));
  for (const [key, kind] of entries) {
    const optional = kind.endsWith("?");
    const value = obj[key];
    if (value === undefined) {
      if (optional) continue;
      throw new ProtocolError("BAD_MESSAGE", `${where} is missing \`${key}\``);
    }
    if (!checkField(value, (optional ? kind.slice(0, -1) : kind) as Field, `${where}.${key}`)) {
      throw new ProtocolError("BAD_MESSAGE", `${where}.${key} has the wrong type`);
    }
  }
}

function checkField(value: unknown, kind: Field, where: string): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string";
    case "uint":
      return Number.isSafeInteger(value) && (value as number) >= 0;
    case "boolean":
      return typeof value === "boolean";
    case "ok":
      return value === "ok";
    case "sha256":
      return typeof value === "string" && SHA256.test(value);
    case "cert":
      return typeof value === "string" && value.length > 0 && value.length <= MAX_CERT_CHARS &&
        BASE64.test(value);
    case "strings":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "hashes":
      return Array.isArray(value) && value.every((v) => typeof v === "string" && SHA256.test(v));
    case "files":
      return checkArray(value, FILE_RECORD, where);
    case "holders":
      return checkArray(value, HOLDER, where);
    case "results":
      return checkArray(value, RESULT, where);
  }
}

function checkArray(value: unknown, spec: Spec, where: string): boolean {
  if (!Array.isArray(value)) return false;
  value.forEach((item, i) => {
    if (!isObject(item)) throw new ProtocolError("BAD_MESSAGE", `${where}[${i}] is not an object`);
    checkObject(item, spec, `${where}[${i}]`);
  });
  return true;
}
