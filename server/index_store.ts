/**
 * The index server's in-memory data: peers, their files, and a token index
 * over file names and keywords, laid out for millions of files (dense file
 * ids, typed arrays, no per-file strings beyond the records themselves).
 * A pure data structure; no I/O.
 * @module
 */
import type { FileRecord, Holder, SearchResult } from "../shared/protocol.ts";
import { type HotTermOptions, HotTerms } from "./hot_terms.ts";
import { MAX_MARKED_TERMS, type TermMatch, TokenIndex, tokenize } from "./token_index.ts";
import { grown } from "./typed_arrays.ts";

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
  /** Private networks: the peer's TLS certificate (DER, base64), given to downloaders. */
  cert?: string;
}

/** Result page of a search or listing. */
export interface SearchPage {
  results: SearchResult[];
  /** True when more files matched than were returned. */
  truncated: boolean;
}

/** Candidates tested through the forward index before a bitset is considered at all. */
const CHECK_BUDGET_BASE = 32;
/** Ids marked into a bitset in the time one candidate is tested (measured: ~2 ns vs ~80 ns). */
const MARKS_PER_CHECK = 40;

/** A term of a search: what it matches and how many postings that is. */
interface Term {
  match: TermMatch;
  cost: number;
}

/** How one search walks the index. */
interface SearchPlan {
  words: string[];
  /** The term with the fewest postings, which is walked. */
  driver: Term;
  /** Terms tested per candidate through the forward index or a bitset built for this search. */
  others: Term[];
  /** Bitsets of frequent terms (from HotTerms): a candidate must be in each. */
  filters: Uint32Array[];
  /** Share of the driver's postings expected to pass the filters. */
  passing: number;
  /** Bits of the marked terms (0 when there is none). */
  all: number;
  /**
   * Candidates must be checked against the text too: a word spans punctuation,
   * or the query has more terms than can be marked.
   */
  textCheck: boolean;
}

/** A map value that is one id or several. */
type Ids = number | number[];

/** Peers, files and the token index behind SEARCH, LOCATE and LIST. */
export class IndexStore {
  readonly #peers = new Map<number, PeerEntry>();
  readonly #tokens = new TokenIndex();
  readonly #hot: HotTerms;
  readonly #now: () => Date;
  #records: (FileRecord | undefined)[] = [];
  #peerOf = new Int32Array(1024);
  #sharedAt = new Float64Array(1024);
  /** 1 when another file id has the same content hash (search results must be grouped). */
  #shared = new Uint8Array(1024);
  #bits = new Uint32Array(0);
  #spare = new Uint32Array(0);
  readonly #free: number[] = [];
  readonly #bySha = new Map<string, Ids>();
  readonly #byName = new Map<number, Ids>();
  #fileCount = 0;
  #sharingPeers = 0;
  #nextPeerId = 1;

  /** `now` is injectable so tests can pin sharedAt; `hotTerms` tunes the bitset cache. */
  constructor(now: () => Date = () => new Date(), hotTerms: HotTermOptions = {}) {
    this.#now = now;
    this.#hot = new HotTerms(hotTerms);
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
    return this.#fileCount;
  }

  /** Bytes held by the bitsets of frequent search terms (filled while searching). */
  get termBitsetBytes(): number {
    return this.#hot.bytes;
  }

  /** Number of distinct tokens in names and keywords. */
  get vocabularySize(): number {
    return this.#tokens.vocabularySize;
  }

  /** Adds a peer and gives it the next peer ID (1, 2, 3 … never reused). */
  addPeer(info: { host: string; port: number; name?: string; cert?: string }): PeerEntry {
    const id = this.#nextPeerId++;
    const peer: PeerEntry = {
      id,
      host: info.host,
      port: info.port,
      name: info.name ?? "",
      files: new Map(),
    };
    if (info.cert) peer.cert = info.cert;
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
    const count = peer.files.size;
    this.#removeFiles([...peer.files.values()]);
    this.#peers.delete(id);
    if (peer.port > 0) this.#sharingPeers--;
    return count;
  }

  /** Adds files for a peer; a file with a name it already shares replaces the old one. */
  register(peerId: number, records: FileRecord[]): { count: number; total: number } {
    const peer = this.#mustPeer(peerId);
    const now = this.#now().getTime();
    const replaced: number[] = [];
    const keepTime = new Map<string, number>();
    for (const r of records) {
      const old = peer.files.get(r.name);
      if (old === undefined) continue;
      replaced.push(old);
      if (this.#records[old]!.sha256 === r.sha256) keepTime.set(r.name, this.#sharedAt[old]);
    }
    this.#removeFiles(replaced);
    for (const r of records) {
      if (peer.files.has(r.name)) continue; // same name twice in one message: first wins
      const id = this.#newId();
      this.#records[id] = r;
      this.#peerOf[id] = peerId;
      this.#sharedAt[id] = keepTime.get(r.name) ?? now;
      peer.files.set(r.name, id);
      this.#shared[id] = 0;
      addId(this.#bySha, r.sha256, id);
      this.#markShared(r.sha256);
      addId(this.#byName, nameKey(r.name), id);
      this.#tokens.add(id, tokenize(`${r.name} ${r.description}`));
      this.#fileCount++;
    }
    return { count: records.length, total: peer.files.size };
  }

  /** Removes a peer's files by name. Returns how many were removed. */
  unregister(peerId: number, names: string[]): { count: number; total: number } {
    const peer = this.#mustPeer(peerId);
    const ids = names.map((n) => peer.files.get(n)).filter((id): id is number => id !== undefined);
    this.#removeFiles([...new Set(ids)]);
    return { count: ids.length, total: peer.files.size };
  }

  /**
   * Files whose name or keywords contain every word of `query` (case-insensitive
   * substrings), one result per content hash with all its holders. Files whose
   * base name equals the whole query come first. Only the postings of the most
   * selective term are walked; each candidate is tested against the other terms
   * through the forward index, or, once that has cost about as much as
   * intersecting the other terms' postings would, through that intersection.
   */
  search(query: string, limit: number): SearchPage {
    const words = [...new Set(query.toLowerCase().split(/\s+/).filter((w) => w !== ""))];
    if (words.length === 0 || limit <= 0) return { results: [], truncated: false };
    // A word that is one plain token is matched exactly by the token index; others need the text.
    const needText = words.some((w) => {
      const t = tokenize(w);
      return t.length !== 1 || t[0] !== w;
    });
    const terms = [...new Set(words.flatMap(tokenize))].map((term) => {
      const match = this.#tokens.term(term);
      return { match, cost: match.count };
    }).sort((a, b) => a.cost - b.cost);
    if (terms.length === 0 || terms[0].cost === 0) return { results: [], truncated: false };
    const [driver, ...rest] = terms;
    // Frequent terms with a cached bitset filter candidates with a bit test each.
    const filters: Uint32Array[] = [];
    const others: Term[] = [];
    let passing = 1;
    for (const t of rest) {
      const bits = this.#hot.bits(t.match, this.#fileCount, this.#records.length, filters);
      if (bits) {
        filters.push(bits);
        passing *= this.#share(t);
      } else others.push(t);
    }
    const marked = others.slice(0, MAX_MARKED_TERMS).map((t) => t.match);
    const all = this.#tokens.mark(marked);
    try {
      const textCheck = needText || others.length > MAX_MARKED_TERMS;
      const plan = { words, driver, others, filters, passing, all, textCheck };
      const picked = this.#collect(query, plan, limit);
      return {
        results: picked.slice(0, limit).map((id) =>
          this.#shared[id] !== 0
            ? this.locate(this.#records[id]!.sha256)!
            : resultOf(this.#records[id]!, [this.#holder(id)])
        ),
        truncated: picked.length > limit,
      };
    } finally {
      this.#tokens.unmark(marked);
    }
  }

  /** Up to limit + 1 matching file ids, one per content hash, exact names first. */
  #collect(query: string, plan: SearchPlan, limit: number): number[] {
    const { words, driver, others, filters, textCheck } = plan;
    const picked: number[] = [];
    // One result per content hash: by hash for content held under several file ids,
    // by id otherwise (an id comes up twice when the driver matches two of its tokens).
    const seen = new Set<string>();
    const seenIds = new Set<number>();
    let need = plan.all;
    const take = (id: number): boolean => {
      if (need !== 0 && !this.#tokens.covers(id, need)) return true;
      const r = this.#records[id];
      if (!r || (textCheck && !matchesText(r, words))) return true;
      if (this.#shared[id] !== 0) {
        if (seen.has(r.sha256)) return true;
        seen.add(r.sha256);
      } else {
        if (seenIds.has(id)) return true;
        seenIds.add(id);
      }
      picked.push(id);
      return picked.length <= limit;
    };
    const exact = query.trim().toLowerCase();
    for (const id of idsOf(this.#byName.get(nameKey(exact)))) {
      if (
        inEvery(filters, id) && baseName(this.#records[id]!.name).toLowerCase() === exact &&
        !take(id)
      ) {
        return picked;
      }
    }
    // Candidates are tested through the forward index, which costs about as much
    // as marking MARKS_PER_CHECK ids into a bitset. When matches are expected to
    // be sparse, the next term's postings are marked into a bitset first, and
    // only the candidates in it are tested. When dense matches were expected but
    // don't come, ski rental: after testing as many candidates as the bitset
    // would have cost, mark it and go on.
    if (others.length === 0) {
      this.#walk(driver, filters, [], take, Infinity);
      return picked;
    }
    const density = others.reduce((d, o) => d * this.#share(o), 1);
    // Candidates that pass the filters (assumed independent, like the terms).
    const candidates = driver.cost * plan.passing;
    const expected = Math.min(candidates, (limit + 1) / Math.max(density, 1e-9));
    const markCost = Math.ceil(others[0].cost / MARKS_PER_CHECK);
    // The bitset stands for the next term, and for each one after it while the
    // candidates that would pass the bitset cost more to test than marking that term.
    let inBits = 1;
    for (let pass = candidates * this.#share(others[0]); inBits < Math.min(others.length, 31);) {
      if (pass <= others[inBits].cost / MARKS_PER_CHECK) break;
      pass *= this.#share(others[inBits++]);
    }
    const switchToBits = () => {
      need &= ~((1 << inBits) - 1); // marked terms 0 .. inBits-1 are in the bitset
    };
    const budget = expected > markCost ? 0 : CHECK_BUDGET_BASE + markCost;
    this.#walk(driver, filters, others.slice(0, inBits), take, budget, switchToBits);
    return picked;
  }

  /**
   * Walks the driver's postings through `take` until it says stop. After
   * `budget` candidates, the intersection of `next`'s postings is marked into a
   * bitset that filters the rest of the walk (`onBits` is told).
   */
  #walk(
    driver: Term,
    filters: Uint32Array[],
    next: Term[],
    take: (id: number) => boolean,
    budget: number,
    onBits?: () => void,
  ): void {
    if (budget <= 0 && next.length > 0) {
      // Sparse matches expected: the bitset first, then a tight walk.
      const bits = this.#markBits(next);
      onBits?.();
      for (const p of driver.match.postings) {
        const ids = p.ids;
        for (let i = 0; i < p.length; i++) {
          const id = ids[i];
          if ((bits[id >>> 5] & (1 << (id & 31))) !== 0 && inEvery(filters, id) && !take(id)) {
            return;
          }
        }
      }
      return;
    }
    let bits: Uint32Array | null = null;
    for (const p of driver.match.postings) {
      const ids = p.ids;
      for (let i = 0; i < p.length; i++) {
        const id = ids[i];
        if (!inEvery(filters, id)) continue; // filtered candidates cost a bit test, not a check
        if (budget-- === 0 && next.length > 0) {
          bits = this.#markBits(next);
          onBits?.();
        }
        if (bits !== null && (bits[id >>> 5] & (1 << (id & 31))) === 0) continue;
        if (!take(id)) return;
      }
    }
  }

  /** Share of all files a term matches (at most 1). */
  #share(t: Term): number {
    return Math.min(1, t.cost / Math.max(1, this.#fileCount));
  }

  /** Every current holder of one content hash, or null. */
  locate(sha256: string): SearchResult | null {
    const v = this.#bySha.get(sha256);
    if (v === undefined) return null;
    if (typeof v === "number") return resultOf(this.#records[v]!, [this.#holder(v)]);
    const peers: Holder[] = [];
    const seen = new Set<number>();
    for (const id of v) {
      const peerId = this.#peerOf[id];
      if (seen.has(peerId)) continue; // one entry per holder, even if it shares the file twice
      seen.add(peerId);
      peers.push(this.#holder(id));
    }
    peers.sort((a, b) => a.id - b.id);
    return resultOf(this.#records[v[0]]!, peers);
  }

  #holder(id: number): Holder {
    const p = this.#peers.get(this.#peerOf[id])!;
    const holder: Holder = {
      id: p.id,
      host: p.host,
      port: p.port,
      sharedAt: isoTime(this.#sharedAt[id]),
      name: this.#records[id]!.name,
    };
    if (p.rttMs !== undefined) holder.rttMs = p.rttMs;
    if (this.#records[id]!.partial === true) holder.partial = true;
    if (p.cert) holder.cert = p.cert;
    return holder;
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

  /** A bitset of the ids in every one of the terms' postings (buffers are reused). */
  #markBits(terms: Term[]): Uint32Array {
    const words = (this.#records.length >>> 5) + 1;
    if (this.#bits.length < words) {
      this.#bits = new Uint32Array(words * 2);
      this.#spare = new Uint32Array(words * 2);
    }
    const bits = this.#bits.subarray(0, words);
    const spare = this.#spare.subarray(0, words);
    terms.forEach((term, n) => {
      const into = n === 0 ? bits : spare;
      into.fill(0);
      for (const p of term.match.postings) {
        const ids = p.ids;
        for (let i = 0; i < p.length; i++) into[ids[i] >>> 5] |= 1 << (ids[i] & 31);
      }
      if (n > 0) { for (let w = 0; w < words; w++) bits[w] &= spare[w]; }
    });
    return bits;
  }

  #newId(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    const id = this.#records.length;
    this.#records.push(undefined);
    if (id >= this.#peerOf.length) {
      this.#peerOf = grown(this.#peerOf, id * 2);
      this.#sharedAt = grown(this.#sharedAt, id * 2);
      this.#shared = grown(this.#shared, id * 2);
    }
    return id;
  }

  /** Removes files: one pass over each affected posting list, however many files go. */
  #removeFiles(ids: number[]): void {
    if (ids.length === 0) return;
    this.#tokens.remove(ids);
    for (const id of ids) {
      const r = this.#records[id]!;
      removeId(this.#bySha, r.sha256, id);
      this.#markShared(r.sha256);
      removeId(this.#byName, nameKey(r.name), id);
      this.#peers.get(this.#peerOf[id])?.files.delete(r.name);
    }
    for (const id of ids) {
      this.#records[id] = undefined;
      this.#free.push(id);
      this.#fileCount--;
    }
  }

  /** Keeps #shared right for the file ids of one content hash. */
  #markShared(sha256: string): void {
    const v = this.#bySha.get(sha256);
    if (v === undefined) return;
    if (typeof v === "number") this.#shared[v] = 0;
    else for (const id of v) this.#shared[id] = 1;
  }

  #mustPeer(id: number): PeerEntry {
    const peer = this.#peers.get(id);
    if (!peer) throw new RangeError(`No peer with ID ${id}`);
    return peer;
  }
}

/** ISO strings of recent registration times: a REGISTER gives all its files one time. */
const isoCache = new Map<number, string>();

function isoTime(ms: number): string {
  let iso = isoCache.get(ms);
  if (iso === undefined) {
    if (isoCache.size >= 4096) isoCache.clear();
    isoCache.set(ms, iso = new Date(ms).toISOString());
  }
  return iso;
}

/** A search result: the record's fields (only those the protocol defines) and its holders. */
function resultOf(r: FileRecord, peers: Holder[]): SearchResult {
  if (r.chunkSize === undefined || r.chunkRoot === undefined) {
    const { name, type, size, mtime, sha256, description } = r;
    return { name, type, size, mtime, sha256, description, peers };
  }
  const { name, type, size, mtime, sha256, description, chunkSize, chunkRoot } = r;
  return { name, type, size, mtime, sha256, description, chunkSize, chunkRoot, peers };
}

function matchesText(r: FileRecord, words: string[]): boolean {
  const name = r.name.toLowerCase();
  const desc = r.description.toLowerCase();
  return words.every((w) => name.includes(w) || desc.includes(w));
}

function baseName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

/** 32-bit FNV-1a of the lower-case base name: the exact-name lookup key. */
function nameKey(name: string): number {
  const s = baseName(name).toLowerCase();
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function idsOf(v: Ids | undefined): number[] {
  return v === undefined ? [] : typeof v === "number" ? [v] : v;
}

function addId<K>(map: Map<K, Ids>, key: K, id: number): void {
  const v = map.get(key);
  if (v === undefined) map.set(key, id);
  else if (typeof v === "number") map.set(key, [v, id]);
  else v.push(id);
}

function removeId<K>(map: Map<K, Ids>, key: K, id: number): void {
  const v = map.get(key);
  if (v === undefined) return;
  if (typeof v === "number") {
    if (v === id) map.delete(key);
    return;
  }
  const at = v.indexOf(id);
  if (at >= 0) v.splice(at, 1);
  if (v.length === 1) map.set(key, v[0]);
  else if (v.length === 0) map.delete(key);
}

/** Whether bit `id` is set in every one of `bitsets` (true when there are none). */
function inEvery(bitsets: Uint32Array[], id: number): boolean {
  const word = id >>> 5;
  const bit = 1 << (id & 31);
  for (let k = 0; k < bitsets.length; k++) if ((bitsets[k][word] & bit) === 0) return false;
  return true;
}
