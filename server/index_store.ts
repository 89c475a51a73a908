/**
 * The index server's in-memory data: peers, their files, and a token index
 * over file names and keywords. A pure data structure; no I/O.
 * @module
 */
import type { FileRecord, Holder, SearchResult } from "../shared/protocol.ts";
import { TokenIndex, tokenize } from "./token_index.ts";

/** A peer on the network as the index knows it. */
export interface PeerEntry {
  id: number;
  host: string;
  port: number;
  name: string;
  /** File ids by shared name. */
  files: Map<string, number>;
  /** Last heartbeat round-trip time in milliseconds, when measured. */
  rttMs?: number;
}

interface StoredFile {
  peerId: number;
  record: FileRecord;
  sharedAt: string;
  /** Lower-case name and description, for the final substring check. */
  lowerName: string;
  lowerDescription: string;
}

/** Result page of a search or listing. */
export interface SearchPage {
  results: SearchResult[];
  /** True when more files matched than were returned. */
  truncated: boolean;
}

/** Peers, files and the token index behind SEARCH, LOCATE and LIST. */
export class IndexStore {
  readonly #peers = new Map<number, PeerEntry>();
  readonly #files = new Map<number, StoredFile>();
  readonly #bySha = new Map<string, Set<number>>();
  readonly #byLowerName = new Map<string, Set<number>>();
  readonly #tokens = new TokenIndex();
  readonly #now: () => Date;
  #sharingPeers = 0;
  #nextPeerId = 1;
  #nextFileId = 1;

  /** `now` is injectable so tests can pin sharedAt. */
  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
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
    return this.#files.size;
  }

  /** Adds a peer and gives it the next peer ID (1, 2, 3 … never reused). */
  addPeer(info: { host: string; port: number; name?: string }): PeerEntry {
    const id = this.#nextPeerId++;
    const peer: PeerEntry = {
      id,
      host: info.host,
      port: info.port,
      name: info.name ?? "",
      files: new Map(),
    };
    this.#peers.set(id, peer);
    if (peer.port > 0) this.#sharingPeers++;
    return peer;
  }

  /** The peer with this ID, if it is still here. */
  getPeer(id: number): PeerEntry | undefined {
    return this.#peers.get(id);
  }

  /** Removes a peer and all its files at once. Returns how many files went. */
  removePeer(id: number): number {
    const peer = this.#peers.get(id);
    if (!peer) return 0;
    for (const fileId of peer.files.values()) this.#removeFile(fileId);
    this.#peers.delete(id);
    if (peer.port > 0) this.#sharingPeers--;
    return peer.files.size;
  }

  /** Adds files for a peer; a file with a name it already shares replaces the old one. */
  register(peerId: number, records: FileRecord[]): { count: number; total: number } {
    const peer = this.#mustPeer(peerId);
    const sharedAt = this.#now().toISOString();
    for (const record of records) {
      const old = peer.files.get(record.name);
      let at = sharedAt;
      if (old !== undefined) {
        const prev = this.#files.get(old)!;
        if (prev.record.sha256 === record.sha256) at = prev.sharedAt;
        this.#removeFile(old);
      }
      const id = this.#nextFileId++;
      this.#files.set(id, {
        peerId,
        record,
        sharedAt: at,
        lowerName: record.name.toLowerCase(),
        lowerDescription: record.description.toLowerCase(),
      });
      peer.files.set(record.name, id);
      addTo(this.#bySha, record.sha256, id);
      addTo(this.#byLowerName, baseName(record.name).toLowerCase(), id);
      this.#tokens.add(id, [...tokenize(record.name), ...tokenize(record.description)]);
    }
    return { count: records.length, total: peer.files.size };
  }

  /** Removes a peer's files by name. Returns how many were removed. */
  unregister(peerId: number, names: string[]): { count: number; total: number } {
    const peer = this.#mustPeer(peerId);
    let count = 0;
    for (const name of names) {
      const id = peer.files.get(name);
      if (id === undefined) continue;
      this.#removeFile(id);
      peer.files.delete(name);
      count++;
    }
    return { count, total: peer.files.size };
  }

  /**
   * Files whose name or keywords contain every word of `query` (case-insensitive
   * substrings), one result per content hash with all its holders. Files whose
   * base name equals the whole query come first. Only files sharing a token
   * with the query are looked at, never the whole index.
   */
  search(query: string, limit: number): SearchPage {
    const words = query.toLowerCase().split(/\s+/).filter((w) => w !== "");
    if (words.length === 0 || limit <= 0) return { results: [], truncated: false };
    const matches = (id: number) => {
      const f = this.#files.get(id)!;
      return words.every((w) => f.lowerName.includes(w) || f.lowerDescription.includes(w));
    };
    const picked: string[] = [];
    const seen = new Set<string>();
    const take = (id: number): boolean => {
      const sha = this.#files.get(id)!.record.sha256;
      if (seen.has(sha) || !matches(id)) return true;
      seen.add(sha);
      picked.push(sha);
      return picked.length <= limit;
    };
    for (const id of this.#byLowerName.get(query.trim().toLowerCase()) ?? []) {
      if (!take(id)) break;
    }
    if (picked.length <= limit) this.#tokens.scan(words.flatMap(tokenize), take);
    return {
      results: picked.slice(0, limit).map((sha) => this.locate(sha)!),
      truncated: picked.length > limit,
    };
  }

  /** Every current holder of one content hash, or null. */
  locate(sha256: string): SearchResult | null {
    const ids = this.#bySha.get(sha256);
    if (!ids || ids.size === 0) return null;
    const peers: Holder[] = [];
    let first: StoredFile | undefined;
    for (const id of ids) {
      const f = this.#files.get(id)!;
      first ??= f;
      const p = this.#peers.get(f.peerId)!;
      const holder: Holder = {
        id: p.id,
        host: p.host,
        port: p.port,
        sharedAt: f.sharedAt,
        name: f.record.name,
      };
      if (p.rttMs !== undefined) holder.rttMs = p.rttMs;
      peers.push(holder);
    }
    peers.sort((a, b) => a.id - b.id);
    return { ...first!.record, peers };
  }

  /** Up to `limit` distinct files on the network, in order of first registration. */
  list(limit: number): SearchPage {
    const results: SearchResult[] = [];
    for (const sha of this.#bySha.keys()) {
      if (results.length === limit) return { results, truncated: true };
      results.push(this.locate(sha)!);
    }
    return { results, truncated: false };
  }

  #mustPeer(id: number): PeerEntry {
    const peer = this.#peers.get(id);
    if (!peer) throw new RangeError(`No peer with ID ${id}`);
    return peer;
  }

  #removeFile(id: number): void {
    const f = this.#files.get(id);
    if (!f) return;
    this.#files.delete(id);
    removeFrom(this.#bySha, f.record.sha256, id);
    removeFrom(this.#byLowerName, baseName(f.record.name).toLowerCase(), id);
    this.#tokens.remove(id, [...tokenize(f.record.name), ...tokenize(f.record.description)]);
  }
}

function baseName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, set = new Set());
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
