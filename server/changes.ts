/**
 * The changes several index servers of one network tell each other (through
 * a Redis stream, server/redis_network.ts), as JSON: a peer's whole state,
 * files added or replaced, files removed, a peer gone, a block of peer IDs
 * taken. Each one sets state (never "add one more"), so applying it twice,
 * or again after a snapshot that already holds it, changes nothing.
 * docs/protocol.md, section 6, gives the format. Pure functions; no I/O.
 * @module
 */
import { isValidSharedName } from "../shared/file_names.ts";
import type { FileRecord } from "../shared/protocol.ts";
import { SwapmeetError } from "../shared/errors.ts";
import type { PeerEntry } from "./peer_entry.ts";

/** A file record as the network keeps it: with when its holder shared it (ms since 1970). */
export interface SharedRecord extends FileRecord {
  sharedAt: number;
}

/** A peer as the network keeps it. */
export type PeerInfo = Pick<
  PeerEntry,
  "id" | "host" | "port" | "name" | "address" | "cert" | "unproven"
>;

/** One change to the network's index. */
export type Change =
  /** The peer's whole state: it joined (with no files yet), or its server published it again. */
  | { op: "peer"; peer: PeerInfo; files: SharedRecord[] }
  /** Files added, or replacing the peer's files of the same names. */
  | { op: "add"; peer: number; files: SharedRecord[] }
  | { op: "remove"; peer: number; names: string[] }
  | { op: "leave"; peer: number }
  /** A server took the peer IDs up to `upTo`: nobody may give them out again. */
  | { op: "ids"; upTo: number };

/** A record with only the fields the protocol defines, and its time. */
export function sharedRecord(r: FileRecord, sharedAt: number): SharedRecord {
  const { name, type, size, mtime, sha256, description, chunkSize, chunkRoot } = r;
  const kept: SharedRecord = {
    name,
    type,
    size,
    mtime,
    sha256,
    description,
    chunkSize,
    chunkRoot,
    sharedAt,
  };
  if (r.partial === true) kept.partial = true;
  return kept;
}

/** A peer's info as JSON. */
export function infoJson(p: PeerInfo): string {
  const { id, host, port, name, address, cert, unproven } = p;
  return JSON.stringify({
    id,
    host,
    port,
    name,
    address,
    ...(cert ? { cert } : {}),
    ...(unproven ? { unproven } : {}),
  });
}

/** Parses one change; SwapmeetError when it is not one. */
export function parseChange(json: string): Change {
  const c = parseJson(json);
  switch (c?.op) {
    case "peer":
      return { op: "peer", peer: checkInfo(c.peer), files: checkRecords(c.files) };
    case "add":
      return { op: "add", peer: checkId(c.peer), files: checkRecords(c.files) };
    case "remove":
      if (!Array.isArray(c.names) || !c.names.every(str)) break;
      return { op: "remove", peer: checkId(c.peer), names: c.names };
    case "leave":
      return { op: "leave", peer: checkId(c.peer) };
    case "ids":
      return { op: "ids", upTo: checkId(c.upTo) };
  }
  throw new SwapmeetError(`Not a change: ${json.slice(0, 80)}`);
}

/** Parses a peer's info from its JSON; SwapmeetError when it is not one. */
export function parseInfo(json: string): PeerInfo {
  return checkInfo(parseJson(json));
}

/** Parses records from their JSON texts (a peer's files as kept); SwapmeetError on a bad one. */
export function parseRecords(jsons: readonly string[]): SharedRecord[] {
  return checkRecords(parseJson(`[${jsons.join(",")}]`));
}

// deno-lint-ignore no-explicit-any
function parseJson(json: string): any {
  try {
    return JSON.parse(json);
  } catch {
    throw new SwapmeetError(`Not JSON: ${json.slice(0, 80)}`);
  }
}

function checkId(v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new SwapmeetError(`Bad peer ID ${v}`);
  return v as number;
}

const SHA256 = /^[0-9a-f]{64}$/;
const uint = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const str = (v: unknown) => typeof v === "string";

function checkInfo(p: Record<string, unknown> | null): PeerInfo {
  if (
    typeof p !== "object" || p === null || !str(p.host) || !uint(p.port) ||
    (p.port as number) > 65535 || !str(p.name) || !str(p.address) ||
    (p.cert !== undefined && !str(p.cert)) || (p.unproven !== undefined && p.unproven !== true)
  ) {
    throw new SwapmeetError(`Bad peer info ${JSON.stringify(p).slice(0, 80)}`);
  }
  const info: PeerInfo = {
    id: checkId(p.id),
    host: p.host as string,
    port: p.port as number,
    name: p.name as string,
    address: p.address as string,
  };
  if (p.cert !== undefined) info.cert = p.cert as string;
  if (p.unproven === true) info.unproven = true;
  return info;
}

function checkRecords(files: unknown): SharedRecord[] {
  if (!Array.isArray(files)) throw new SwapmeetError("Files are not a list");
  for (const r of files) {
    if (
      typeof r !== "object" || r === null || !str(r.name) || !isValidSharedName(r.name) ||
      !str(r.type) || !uint(r.size) || !uint(r.mtime) || !str(r.sha256) ||
      !SHA256.test(r.sha256) || !str(r.description) || !uint(r.chunkSize) ||
      !str(r.chunkRoot) || !SHA256.test(r.chunkRoot) || !uint(r.sharedAt) ||
      (r.partial !== undefined && r.partial !== true)
    ) {
      throw new SwapmeetError(`Bad file record ${JSON.stringify(r).slice(0, 80)}`);
    }
  }
  return files;
}
