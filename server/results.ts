/**
 * Search results from file records. A result is one variant of a file: the
 * records of one SHA-256 that also agree on size and chunk root (holders that
 * disagree are different results, so one cannot poison another's metadata),
 * with the peers holding it (at most MAX_HOLDERS) and the other names it goes
 * by. Every result is charged to the request's WorkBudget.
 * Pure functions; no I/O.
 * @module
 */
import type { FileRecord, Holder, SearchResult } from "../shared/protocol.ts";
import { holderCount, type Variant } from "./content_index.ts";
import { firstId } from "./id_map.ts";
import type { WorkBudget } from "./work_budget.ts";

/** Other names listed on a result, at most. */
export const MAX_OTHER_NAMES = 8;

/**
 * Holders listed on a result, at most: the one whose record matched, the
 * peers whose file server proved it answers that have held the variant
 * longest, then (while there is room) the others, longest first (downloaders
 * try them in turn; a list of every holder of a popular file would not fit a
 * frame).
 */
export const MAX_HOLDERS = 100;

/** Records whose names are counted for a result's name and other names, at most. */
const NAME_RECORDS = 64;

/** What results are built from: the store's records and peers by file id. */
export interface FileTable {
  record(id: number): FileRecord | undefined;
  /** The peer holding file `id`. */
  peerOf(id: number): number;
  /** The holder entry of file `id` (its peer, with this file's name and time). */
  holder(id: number): Holder;
  /** The variant of `r` while other files share its content hash. */
  variantOf(r: FileRecord): Variant | undefined;
  /** Every variant of a content hash, in the order first registered. */
  variants(sha256: string): Variant[];
}

/** A holder entry: the peer, with the name and time it gave file `r`. */
export function holderOf(
  peer: { id: number; host: string; port: number; rttMs?: number; cert?: string; unproven?: true },
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
  if (peer.unproven) holder.unproven = true;
  if (peer.cert) holder.cert = peer.cert;
  return holder;
}

/**
 * The result for a search that matched file `id`: that record's name and
 * fields; with `twins` (other files share its content hash), the holders of
 * its variant and the other names they give it. Null when it does not fit
 * what is left of `budget`.
 */
export function matchedResult(
  table: FileTable,
  id: number,
  twins: boolean,
  budget: WorkBudget,
): SearchResult | null {
  const r = table.record(id)!;
  const variant = twins ? table.variantOf(r) : undefined;
  if (!variant) return charged(budget, resultOf(r, [table.holder(id)]));
  return variantResult(table, id, gather(variant, table.peerOf(id), id), budget);
}

/**
 * The variants of one content hash, most holders first (at most `max`), each
 * named by the name most of its counted records have; fewer when `budget`
 * runs out.
 */
export function contentResults(
  table: FileTable,
  sha256: string,
  max: number,
  budget: WorkBudget,
): SearchResult[] {
  // A stable sort: variants with as many holders keep their order of registration.
  const ranked = table.variants(sha256).sort((a, b) => holderCount(b) - holderCount(a));
  const results: SearchResult[] = [];
  for (const variant of ranked.slice(0, max)) {
    const found = gather(variant);
    const top = byCount(found.named.map((id) => table.record(id)!.name))[0];
    const shown = found.named.find((id) => table.record(id)!.name === top)!;
    const result = variantResult(table, shown, gather(variant, table.peerOf(shown), shown), budget);
    if (!result) break;
    results.push(result);
  }
  return results;
}

/** One file id per listed holder, and the ids whose names count. */
interface Gathered {
  holders: number[];
  named: number[];
}

/**
 * The holders of a variant to list: file `shown` of `shownPeer` first, then
 * one file of each peer in the order they took the variant up, peers whose
 * file server proved it answers before the others, MAX_HOLDERS in all; names
 * are counted over those files and, up to NAME_RECORDS, the listed peers'
 * other copies.
 */
function gather(variant: Variant, shownPeer = -1, shown = -1): Gathered {
  const holders: number[] = shown >= 0 ? [shown] : [];
  const peers: number[] = shown >= 0 ? [shownPeer] : [];
  for (const map of [variant.holders, variant.unproven]) {
    for (const [peer, ids] of map ?? []) {
      if (holders.length >= MAX_HOLDERS) break;
      if (peer === shownPeer) continue;
      holders.push(firstId(ids)!);
      peers.push(peer);
    }
  }
  const named = holders.slice(0, NAME_RECORDS);
  const listed = new Set(holders);
  for (const peer of peers) {
    const ids = variant.holders.get(peer) ?? variant.unproven?.get(peer);
    if (named.length >= NAME_RECORDS || typeof ids === "number" || ids === undefined) continue;
    for (const id of ids) {
      if (named.length >= NAME_RECORDS) break;
      if (!listed.has(id)) named.push(id);
    }
  }
  return { holders, named };
}

/** The result for one variant shown as file `found.holders[0]`, or null past the budget. */
function variantResult(
  table: FileTable,
  shown: number,
  found: Gathered,
  budget: WorkBudget,
): SearchResult | null {
  const r = table.record(shown)!;
  const peers = found.holders.map((id) => table.holder(id)).sort((a, b) => a.id - b.id);
  const names = byCount(found.named.map((id) => table.record(id)!.name)).filter((n) =>
    n !== r.name
  );
  return charged(budget, resultOf(r, peers, names.slice(0, MAX_OTHER_NAMES)));
}

/** `result`, charged to `budget` (holders and characters), or null when it does not fit. */
function charged(budget: WorkBudget, result: SearchResult): SearchResult | null {
  let chars = result.name.length + result.description.length + result.type.length;
  for (const n of result.names ?? []) chars += n.length;
  for (const h of result.peers) chars += h.name.length + h.host.length + (h.cert?.length ?? 0);
  budget.holders -= result.peers.length;
  budget.replyChars -= chars;
  return budget.holders < 0 || budget.replyChars < 0 ? null : result;
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
