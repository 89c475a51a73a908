/**
 * How the index takes in a REGISTER: in batches (so the posting lists of the
 * files a batch replaces are compacted once per batch), each name once (the
 * first of a name wins), and what each batch replaces. Pure functions; no I/O.
 * @module
 */
import type { FileRecord } from "../shared/protocol.ts";
import type { PeerEntry } from "./peer_entry.ts";

/** Records per batch. */
const BATCH = 256;

/** The records in batches of up to 256, each name only the first time it comes. */
export function* batchesOf(records: readonly FileRecord[]): Generator<FileRecord[]> {
  const seen = new Set<string>();
  for (let i = 0; i < records.length;) {
    const batch: FileRecord[] = [];
    for (; i < records.length && batch.length < BATCH; i++) {
      if (!seen.has(records[i].name)) batch.push(records[i]);
      seen.add(records[i].name);
    }
    yield batch;
  }
}

/** What a batch does to the peer's files: which it replaces, which names are new, times kept. */
export interface Replacements {
  /** File ids of names the peer shares already. */
  replaced: number[];
  /** Names the peer does not share yet. */
  fresh: Set<string>;
  /** A name shared again with the same content keeps the time it was first shared. */
  keepTime: Map<string, number>;
}

/** Works out a batch's Replacements from the peer's files as they are. */
export function replacementsOf(
  peer: PeerEntry,
  batch: readonly FileRecord[],
  files: { record(id: number): FileRecord | undefined; sharedAt(id: number): number },
): Replacements {
  const out: Replacements = { replaced: [], fresh: new Set(), keepTime: new Map() };
  for (const r of batch) {
    const old = peer.files.get(r.name);
    if (old === undefined) {
      out.fresh.add(r.name);
      continue;
    }
    out.replaced.push(old);
    if (files.record(old)!.sha256 === r.sha256) out.keepTime.set(r.name, files.sharedAt(old));
  }
  return out;
}
