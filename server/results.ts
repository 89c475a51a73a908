/**
 * Search results from file records. A result is one variant of a file: the
 * records of one SHA-256 that also agree on size and chunk root (holders that
 * disagree are different results, so one cannot poison another's metadata),
 * with every peer holding it and the other names it goes by.
 * Pure functions; no I/O.
 * @module
 */
import type { FileRecord, Holder, SearchResult } from "../shared/protocol.ts";

/** Other names listed on a result, at most. */
export const MAX_OTHER_NAMES = 8;

/** What results are built from: the store's records and peers by file id. */
export interface FileTable {
  record(id: number): FileRecord | undefined;
  /** The peer holding file `id`. */
  peerOf(id: number): number;
  /** The holder entry of file `id` (its peer, with this file's name and time). */
  holder(id: number): Holder;
  /** Ids of every file with this content hash. */
  idsOfContent(sha256: string): readonly number[];
}

/** A holder entry: the peer, with the name and time it gave file `r`. */
export function holderOf(
  peer: { id: number; host: string; port: number; rttMs?: number; cert?: string },
  r: FileRecord,
  sharedAtMs: number,
): Holder {
  const holder: Holder = {
    id: peer.id,
    host: peer.host,
    port: peer.port,
    sharedAt: isoTime(sharedAtMs),
    name: r.name,
  };
  if (peer.rttMs !== undefined) holder.rttMs = peer.rttMs;
  if (r.partial === true) holder.partial = true;
  if (peer.cert) holder.cert = peer.cert;
  return holder;
}

/** Whether two records of one content hash are the same variant. */
export function sameVariant(a: FileRecord, b: FileRecord): boolean {
  return a.size === b.size && a.chunkRoot === b.chunkRoot;
}

/** A key naming a record's variant. */
export function variantKey(r: FileRecord): string {
  return `${r.sha256}:${r.size}:${r.chunkRoot}`;
}

/**
 * The result for a search that matched file `id`: that record's name and
 * fields. With `twins` (other files share its content hash), every holder of
 * its variant and the other names they give it.
 */
export function matchedResult(table: FileTable, id: number, twins: boolean): SearchResult {
  const r = table.record(id)!;
  if (!twins) return resultOf(r, [table.holder(id)]);
  const ids = table.idsOfContent(r.sha256).filter((other) =>
    other === id || sameVariant(table.record(other)!, r)
  );
  return variantResult(table, id, ids);
}

/**
 * The variants of one content hash, most holders first (at most `max`):
 * each named by the name most of its records have.
 */
export function contentResults(table: FileTable, sha256: string, max = Infinity): SearchResult[] {
  const groups = new Map<string, number[]>();
  for (const id of table.idsOfContent(sha256)) {
    const key = variantKey(table.record(id)!);
    const group = groups.get(key);
    if (group) group.push(id);
    else groups.set(key, [id]);
  }
  const holders = (ids: number[]) => new Set(ids.map((id) => table.peerOf(id))).size;
  // A stable sort: variants with as many holders keep their order of registration.
  const ranked = [...groups.values()].map((ids) => ({ ids, holders: holders(ids) }))
    .sort((a, b) => b.holders - a.holders).slice(0, max);
  return ranked.map(({ ids }) => {
    const top = byCount(ids.map((id) => table.record(id)!.name))[0];
    return variantResult(table, ids.find((id) => table.record(id)!.name === top)!, ids);
  });
}

/**
 * Up to `limit` distinct files (variants) among the file `ids` (in order):
 * the oldest first, except that the ids of removed files are used again.
 */
export function listResults(
  table: FileTable,
  ids: Iterable<number>,
  limit: number,
): { results: SearchResult[]; truncated: boolean } {
  const results: SearchResult[] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    const sha = table.record(id)!.sha256;
    if (seen.has(sha)) continue;
    seen.add(sha);
    for (const result of contentResults(table, sha, limit - results.length + 1)) {
      if (results.length === limit) return { results, truncated: true };
      results.push(result);
    }
  }
  return { results, truncated: false };
}

/** The result for `ids` (one variant) shown as file `shown`. */
function variantResult(table: FileTable, shown: number, ids: readonly number[]): SearchResult {
  const r = table.record(shown)!;
  const holders = new Map<number, Holder>();
  holders.set(table.peerOf(shown), table.holder(shown));
  for (const id of ids) {
    const peer = table.peerOf(id);
    if (!holders.has(peer)) holders.set(peer, table.holder(id)); // one entry per peer
  }
  const peers = [...holders.values()].sort((a, b) => a.id - b.id);
  const names = byCount(ids.map((id) => table.record(id)!.name)).filter((n) => n !== r.name);
  return resultOf(r, peers, names.slice(0, MAX_OTHER_NAMES));
}

/** Distinct strings, most frequent first (ties in order of first appearance). */
function byCount(items: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const s of items) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!);
}

/** A search result: the record's fields (only those the protocol defines) and its holders. */
function resultOf(r: FileRecord, peers: Holder[], names: string[] = []): SearchResult {
  const { name, type, size, mtime, sha256, description, chunkSize, chunkRoot } = r;
  return names.length === 0
    ? { name, type, size, mtime, sha256, description, chunkSize, chunkRoot, peers }
    : { name, type, size, mtime, sha256, description, chunkSize, chunkRoot, names, peers };
}

/** ISO strings of recent registration times: a REGISTER gives most of its files one time. */
const isoCache = new Map<number, string>();

function isoTime(ms: number): string {
  let iso = isoCache.get(ms);
  if (iso === undefined) {
    if (isoCache.size >= 4096) isoCache.clear();
    isoCache.set(ms, iso = new Date(ms).toISOString());
  }
  return iso;
}
