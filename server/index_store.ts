/**
 * The index server's in-memory data: peers, their file records under dense
 * file ids (typed arrays, no per-file strings beyond the records themselves),
 * maps by content hash and by name, and the token index that SEARCH plans
 * over (search_planner.ts). Large changes run in time slices (time_slice.ts),
 * so no peer's REGISTER or departure holds the event loop; a search between
 * slices may see part of a batch. A pure data structure; no I/O.
 * @module
 */
import type { FileRecord, Holder, SearchResult } from "../shared/protocol.ts";
import { AddressBook } from "./address_book.ts";
import { FileRecords } from "./file_records.ts";
import type { HotTermOptions } from "./hot_terms.ts";
import { contentResults, type FileTable, holderOf } from "./results.ts";
import type { PeerEntry } from "./peer_entry.ts";
import { listFiles, searchFiles, type SearchPage } from "./search.ts";
import { DEFAULT_VOCABULARY_PER_ADDRESS, type VocabularyLimits } from "./vocabulary.ts";
import { WorkBudget } from "./work_budget.ts";
import { batchesOf, replacementsOf } from "./register_batches.ts";
import { SearchPlanner } from "./search_planner.ts";
import { Pacer, TimeSlice } from "./time_slice.ts";

/** A peer to add: `address` is `host` unless given; `id` when the network gave one. */
export type NewPeer =
  & Pick<PeerEntry, "host" | "port">
  & Partial<Pick<PeerEntry, "id" | "name" | "address" | "cert" | "unproven">>;

/** Peers, files and the token index behind SEARCH, LOCATE and LIST. */
export class IndexStore {
  readonly #peers = new Map<number, PeerEntry>();
  /** Per peer: the change under way (changes to one peer run one at a time). */
  readonly #work = new Map<number, Promise<void>>();
  readonly #leaving = new Set<number>();
  readonly #files: FileRecords;
  readonly #planner: SearchPlanner;
  readonly #now: () => Date;
  /** Files per address (files promised to REGISTERs under way count). */
  readonly #addresses = new AddressBook();
  #sharingPeers = 0;
  #nextPeerId = 1;
  /** Requests of all sessions take turns with the rest of the event loop (time_slice.ts). */
  readonly pacer = new Pacer();
  readonly #table: FileTable = {
    record: (id) => this.#files.record(id),
    peerOf: (id) => this.#files.peerOf(id),
    holder: (id) => this.#holder(id),
    variantOf: (r) => this.#files.variantOf(r),
    variants: (sha) => this.#files.variants(sha),
  };

  /**
   * `now` is injectable so tests can pin sharedAt; `hotTerms` tunes the bitset
   * cache, `vocabulary` the bounds of the vocabulary (vocabulary.ts).
   */
  constructor(
    now: () => Date = () => new Date(),
    hotTerms: HotTermOptions = {},
    vocabulary: Partial<VocabularyLimits> = {},
  ) {
    this.#now = now;
    this.#files = new FileRecords(vocabulary, (id) => this.#peers.get(id)?.unproven === true);
    this.#planner = new SearchPlanner(this.#files.tokens, hotTerms);
  }

  /** Number of peers known. */
  get peerCount(): number {
    return this.#peers.size;
  }

  /** Number of peers that serve files (port > 0); search-only clients are not counted. */
  get sharingPeerCount(): number {
    return this.#sharingPeers;
  }

  /** Number of file records (one per peer and name). */
  get fileCount(): number {
    return this.#files.count;
  }

  /** File records, counting those promised to REGISTERs under way. */
  get filesAndPromised(): number {
    return this.#files.count + this.#addresses.promised;
  }

  /** File records from one address, counting those promised to REGISTERs under way. */
  filesFrom(address: string): number {
    return this.#addresses.files(address);
  }

  /** Bytes held by the bitsets of frequent search terms (filled while searching). */
  get termBitsetBytes(): number {
    return this.#planner.termBitsetBytes;
  }

  /** Number of distinct tokens in names and keywords. */
  get vocabularySize(): number {
    return this.#files.tokens.vocabularySize;
  }

  /** Characters of those tokens together (bounded per address and in all). */
  get vocabularyChars(): number {
    return this.#files.tokens.vocabularyChars;
  }

  /** Characters of the vocabulary charged to an address: general allowance, and names'. */
  vocabularyOf(address: string): { general: number; names: number } {
    return this.#files.vocabulary.charged(address);
  }

  /** Adds a peer with the ID given (by the network), else the next here (1, 2, 3 … not reused). */
  addPeer(info: NewPeer): PeerEntry {
    const id = info.id ?? this.#nextPeerId;
    this.#nextPeerId = Math.max(this.#nextPeerId, id + 1);
    const { host, port } = info;
    const peer: PeerEntry = {
      id,
      host,
      port,
      name: info.name ?? "",
      address: info.address ?? host,
      files: new Map(),
    };
    if (info.cert) peer.cert = info.cert;
    if (info.unproven) peer.unproven = true;
    this.#peers.set(id, peer);
    if (peer.port > 0) this.#sharingPeers++;
    return peer;
  }

  /** The peer with this ID, if it is still here. */
  getPeer(id: number): PeerEntry | undefined {
    return this.#peers.get(id);
  }

  /** How many distinct names among `records` the peer does not share yet. */
  newNames(peer: PeerEntry, records: readonly FileRecord[]): number {
    const fresh = new Set<string>();
    for (const r of records) if (!peer.files.has(r.name)) fresh.add(r.name);
    return fresh.size;
  }

  /**
   * The first content hash of which `records` would give the peer more than
   * `max` variants (sha256, size, chunk root), or null.
   */
  variantsPast(peer: PeerEntry, records: readonly FileRecord[], max: number): string | null {
    return this.#files.variantsPast(peer.id, records, max);
  }

  /**
   * Removes a peer and all its files, after any change of its still under way
   * (which stops at its next slice). Resolves with how many files went.
   */
  async removePeer(id: number): Promise<number> {
    const peer = this.#peers.get(id);
    if (!peer || this.#leaving.has(id)) return 0;
    this.#leaving.add(id);
    await this.#work.get(id);
    const count = peer.files.size;
    await this.#removeFiles([...peer.files.values()], new TimeSlice());
    this.#peers.delete(id);
    this.#work.delete(id);
    this.#leaving.delete(id);
    if (peer.port > 0) this.#sharingPeers--;
    return count;
  }

  /**
   * Adds files for a peer; a file with a name it already shares replaces the
   * old one (the first of a name wins within one call). The new names count
   * for the peer's address and the total at once (filesFrom,
   * filesAndPromised), before the first slice. A record's time is now (the
   * old one's for the same content) unless `sharedAt` gives it (replicas).
   */
  register(
    peerId: number,
    records: FileRecord[],
    options: {
      sharedAt?: (r: FileRecord) => number;
      slice?: TimeSlice;
      /** Characters of new vocabulary the peer's address may bring (see vocabulary.ts). */
      vocabularyPerAddress?: number;
    } = {},
  ): Promise<{ count: number; total: number }> {
    const peer = this.#mustPeer(peerId);
    let promised = this.newNames(peer, records);
    this.#addresses.promise(peer.address, promised);
    const work = this.#serial(peer.id, async () => {
      const slice = options.slice ?? new TimeSlice();
      for (const batch of batchesOf(records)) {
        if (this.#leaving.has(peer.id)) break;
        const { replaced, fresh, keepTime } = replacementsOf(peer, batch, this.#files);
        await this.#removeFiles(replaced, slice);
        const now = this.#now().getTime();
        for (const r of batch) {
          if (slice.over) await slice.next();
          if (this.#leaving.has(peer.id)) break;
          this.#insert(
            peer,
            r,
            options.sharedAt?.(r) ?? keepTime.get(r.name) ?? now,
            options.vocabularyPerAddress ?? DEFAULT_VOCABULARY_PER_ADDRESS,
          );
          if (fresh.has(r.name) && promised > 0) {
            promised--;
            this.#addresses.promise(peer.address, -1);
          }
        }
      }
    });
    return work.finally(() => this.#addresses.promise(peer.address, -promised))
      .then(() => ({ count: records.length, total: peer.files.size }));
  }

  /** Removes a peer's files by name. Resolves with how many were removed. */
  unregister(peerId: number, names: string[]): Promise<{ count: number; total: number }> {
    const peer = this.#mustPeer(peerId);
    return this.#serial(peer.id, async () => {
      const ids = names.map((n) => peer.files.get(n)).filter((id) => id !== undefined);
      await this.#removeFiles([...new Set(ids)], new TimeSlice());
      return { count: ids.length, total: peer.files.size };
    });
  }

  /** Files whose name or keywords contain every word of `query` (searchFiles), within `budget`. */
  search(query: string, limit: number, budget = new WorkBudget()): SearchPage {
    return searchFiles(this.#files, this.#planner, this.#table, query, limit, budget);
  }

  /** The variants of one content hash, most holders first (at most `max`, fewer past `budget`). */
  locate(sha256: string, max = Infinity, budget = new WorkBudget()): SearchResult[] {
    return contentResults(this.#table, sha256, max, budget);
  }

  /**
   * Up to `limit` distinct files (variants) on the network, by file id: oldest
   * first, except that the ids of removed files are used again. Each file id
   * looked at is a candidate of `budget`; truncated when it runs out.
   */
  list(limit: number, budget = new WorkBudget()): SearchPage {
    return listFiles(this.#files, this.#table, limit, budget);
  }

  /** The record of file `id` and when its holder shared it (ms), unless removed. */
  file(id: number): { record: FileRecord; sharedAt: number } | undefined {
    const record = this.#files.record(id);
    return record && { record, sharedAt: this.#files.sharedAt(id) };
  }

  #holder(id: number): Holder {
    const peer = this.#peers.get(this.#files.peerOf(id))!;
    return holderOf(peer, this.#files.record(id)!, this.#files.sharedAt(id));
  }

  #insert(peer: PeerEntry, r: FileRecord, sharedAt: number, vocabularyPerAddress: number): void {
    peer.files.set(
      r.name,
      this.#files.add(peer.id, r, sharedAt, peer.address, vocabularyPerAddress),
    );
    this.#addresses.count(peer.address, 1);
  }

  /**
   * Removes files in slices: first each leaves the maps and the forward index
   * (searches no longer find it), then each affected posting list is
   * compacted once, then the ids are free for reuse.
   */
  async #removeFiles(ids: readonly number[], slice: TimeSlice): Promise<void> {
    const gone: number[] = [];
    const affected = new Set<number>();
    for (const id of ids) {
      if (slice.over) await slice.next();
      const peer = this.#peers.get(this.#files.peerOf(id))!;
      const r = this.#files.detach(id, affected);
      if (!r) continue;
      if (peer.files.get(r.name) === id) peer.files.delete(r.name);
      this.#addresses.count(peer.address, -1);
      gone.push(id);
    }
    for (const token of affected) {
      if (slice.over) await slice.next();
      this.#files.compact(token);
    }
    this.#files.release(gone);
  }

  /** Runs `change` after the peer's earlier changes have finished. */
  #serial<T>(peerId: number, change: () => Promise<T>): Promise<T> {
    const done = (this.#work.get(peerId) ?? Promise.resolve()).then(change);
    this.#work.set(peerId, done.then(() => {}, () => {}));
    return done;
  }

  #mustPeer(id: number): PeerEntry {
    const peer = this.#peers.get(id);
    if (!peer) throw new RangeError(`No peer with ID ${id}`);
    return peer;
  }
}
