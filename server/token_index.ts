/**
 * Inverted index from tokens to file ids, compact enough for millions of files:
 * each token has a numeric id and its file ids live in a growable Int32Array.
 * A file leaves in two steps that can be spread over time: `detach` forgets
 * its tokens at once (searches stop finding it), `compact` later filters each
 * affected list once, however many of its files went. A gram index over the
 * vocabulary finds the tokens that contain a query word as a substring, and a
 * forward index (file → token ids) lets a search test candidates cheaply.
 * A pure data structure; no I/O.
 * @module
 */
import { FileTokens } from "./file_tokens.ts";
import { GRAM_MAX, GRAM_MIN, GramIndex } from "./gram_index.ts";
import { ShardedMap } from "./sharded_map.ts";
import { grown } from "./typed_arrays.ts";

/** The ids of one token: `ids[0..length)`. */
export interface Posting {
  ids: Int32Array;
  length: number;
}

/** What one query term matches: the tokens that contain it, and their postings. */
export interface TermMatch {
  /** Token ids. */
  tokens: number[];
  postings: Posting[];
  /** File ids in all the postings (a file with two such tokens counts twice). */
  count: number;
  /** The index version `count` was taken at. */
  version: number;
}

/**
 * Whether a token new to the vocabulary is added (see vocabulary.ts Admit):
 * the charge to keep with it (≥ 0), given to the release callback when the
 * token leaves the vocabulary, or -1 to leave it out.
 */
export type AdmitToken = (token: string, index: number) => number;

const TERM_CACHE_SIZE = 50_000;
/** Terms one search can test per candidate through token marks (bits of a Uint32). */
export const MAX_MARKED_TERMS = 32;

/** token → ids, gram (3 or 4 characters) → tokens containing it, and file → token ids. */
export class TokenIndex {
  readonly #ids = new ShardedMap<string, number>();
  #postings: (Posting | undefined)[] = [];
  #names: (string | undefined)[] = [];
  readonly #freeIds: number[] = [];
  readonly #grams = new GramIndex();
  /** Query term → the tokens containing it, kept up to date as tokens come and go. */
  readonly #termCache = new Map<string, TermMatch>();
  /** First characters of the cached terms, with how many start with each. */
  readonly #cachedFirst = new Map<number, number>();
  readonly #files = new FileTokens();
  /** Bumped by every change to the postings, so cached counts know when they are stale. */
  #version = 0;
  #vocabularyChars = 0;
  /** Per token id: bits of the terms of the search under way that it contains (0 otherwise). */
  #marks = new Uint32Array(1024);
  /** Per token id: the charge its admission returned (-1 for none). */
  #charges = new Int32Array(1024);
  readonly #release: (charge: number, chars: number) => void;

  /** `release` is told the charge and length of each token that leaves the vocabulary. */
  constructor(release: (charge: number, chars: number) => void = () => {}) {
    this.#release = release;
  }

  /** Number of distinct tokens. */
  get vocabularySize(): number {
    return this.#ids.size;
  }

  /** The posting list of a token. */
  posting(token: string): Posting | undefined {
    const id = this.#ids.get(token);
    return id === undefined ? undefined : this.#postings[id];
  }

  /** Characters of all the tokens in the vocabulary together. */
  get vocabularyChars(): number {
    return this.#vocabularyChars;
  }

  /**
   * Indexes `file` under each of `tokens` (already deduplicated). Tokens not
   * yet in the vocabulary are added when `admit` says so (always without it).
   * Returns the characters of the tokens it added to the vocabulary.
   */
  add(file: number, tokens: readonly string[], admit?: AdmitToken): number {
    this.#version++;
    const ids: number[] = [];
    let newChars = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      let id = this.#ids.get(t);
      if (id === undefined) {
        const charge = admit ? admit(t, i) : -1;
        if (admit && charge < 0) continue;
        newChars += t.length;
        id = this.#newToken(t, charge);
      }
      const p = this.#postings[id]!;
      if (p.length === p.ids.length) {
        p.ids = grown(p.ids, p.ids.length * (p.ids.length < 1024 ? 4 : 2));
      }
      p.ids[p.length++] = file;
      ids.push(id);
    }
    this.#files.set(file, ids);
    return newChars;
  }

  /**
   * First step of removing `file`: searches no longer find it, and the ids of
   * its tokens are added to `affected`. Its id stays in their postings until
   * each is compacted with the file marked in `dead`; only then may the file
   * id be used again.
   */
  detach(file: number, affected: Set<number>): void {
    this.#version++;
    for (const t of this.#files.get(file)) affected.add(t);
    this.#files.delete(file);
  }

  /**
   * Filters the files marked in `dead` out of one token's postings (one pass);
   * a token left with none leaves the vocabulary. A token id that is gone
   * already is skipped.
   */
  compact(token: number, dead: Uint8Array): void {
    const p = this.#postings[token];
    if (!p) return;
    this.#version++;
    let n = 0;
    const ids = p.ids;
    for (let i = 0; i < p.length; i++) if (dead[ids[i]] !== 1) ids[n++] = ids[i];
    p.length = n;
    if (n === 0) this.#dropToken(token);
    else if (n * 4 < ids.length && ids.length > 8) p.ids = ids.slice(0, n * 2);
  }

  /** Removes files from every list they are in at once (detach, then compact each list). */
  remove(files: readonly number[]): void {
    const affected = new Set<number>();
    const dead = new Uint8Array(files.reduce((m, f) => Math.max(m, f + 1), 0));
    for (const f of files) {
      this.detach(f, affected);
      dead[f] = 1;
    }
    for (const t of affected) this.compact(t, dead);
  }

  /** The tokens that contain `term` and their postings (cached until the vocabulary changes). */
  term(term: string): TermMatch {
    let hit = this.#termCache.get(term);
    if (!hit) {
      hit = { tokens: [], postings: [], count: 0, version: -1 };
      for (const id of this.#tokenIdsContaining(term)) {
        hit.tokens.push(id);
        hit.postings.push(this.#postings[id]!);
      }
      if (this.#termCache.size >= TERM_CACHE_SIZE) {
        this.#uncache(this.#termCache.keys().next().value!); // oldest first
      }
      this.#termCache.set(term, hit);
      const first = term.charCodeAt(0);
      this.#cachedFirst.set(first, (this.#cachedFirst.get(first) ?? 0) + 1);
    }
    if (hit.version !== this.#version) {
      let count = 0;
      for (const p of hit.postings) count += p.length;
      hit.count = count;
      hit.version = this.#version;
    }
    return hit;
  }

  /**
   * Marks the tokens of up to MAX_MARKED_TERMS terms (bit i for term i) so that
   * `covers` can test files; returns the mask of all bits. Call `unmark` after.
   */
  mark(terms: readonly TermMatch[]): number {
    terms.forEach((t, i) => {
      for (const id of t.tokens) this.#marks[id] |= 1 << i;
    });
    return terms.length === 32 ? -1 : (1 << terms.length) - 1;
  }

  /** Clears the marks set by `mark`. */
  unmark(terms: readonly TermMatch[]): void {
    for (const t of terms) for (const id of t.tokens) this.#marks[id] = 0;
  }

  /** True when `file` has, for every marked term, a token containing it. */
  covers(file: number, all: number): boolean {
    return this.#files.covers(file, this.#marks, all);
  }

  /** Vocabulary tokens that contain `q` as a substring. */
  tokensContaining(q: string): string[] {
    return this.#tokenIdsContaining(q).map((id) => this.#names[id]!);
  }

  #tokenIdsContaining(q: string): number[] {
    const out: number[] = [];
    if (q.length < GRAM_MIN) {
      for (const [t, id] of this.#ids.entries()) if (t.includes(q)) out.push(id);
      return out;
    }
    if (q.length <= GRAM_MAX) return [...this.#grams.tokens(q)];
    let rarest = "";
    let fewest = Infinity;
    for (let i = 0; i + GRAM_MAX <= q.length; i++) {
      const gram = q.slice(i, i + GRAM_MAX);
      const n = this.#grams.count(gram);
      if (n === 0) return [];
      if (n < fewest) [rarest, fewest] = [gram, n];
    }
    for (const id of this.#grams.tokens(rarest)) if (this.#names[id]!.includes(q)) out.push(id);
    return out;
  }

  #newToken(token: string, charge: number): number {
    const id = this.#freeIds.pop() ?? this.#postings.length;
    if (id >= this.#marks.length) {
      this.#marks = grown(this.#marks, this.#marks.length * 2);
      this.#charges = grown(this.#charges, this.#marks.length);
    }
    this.#charges[id] = charge;
    const p: Posting = { ids: new Int32Array(4), length: 0 };
    this.#ids.set(token, id);
    this.#postings[id] = p;
    this.#names[id] = token;
    this.#vocabularyChars += token.length;
    this.#grams.add(token, id);
    // A new token joins the cached answers of every cached term it contains.
    for (const sub of this.#cachedSubstrings(token)) {
      const hit = this.#termCache.get(sub);
      hit?.tokens.push(id);
      hit?.postings.push(p);
    }
    return id;
  }

  #dropToken(id: number): void {
    const token = this.#names[id]!;
    this.#vocabularyChars -= token.length;
    this.#ids.delete(token);
    this.#names[id] = undefined;
    this.#postings[id] = undefined;
    this.#freeIds.push(id);
    // A removed token leaves the cached answers it was part of.
    for (const sub of this.#cachedSubstrings(token)) this.#uncache(sub);
    this.#grams.delete(token, id);
    this.#release(this.#charges[id], token.length);
  }

  /**
   * The distinct substrings of `token` that may be cached terms: only those
   * starting with the first character of some cached term (new words of an
   * unusual script then cost next to nothing here).
   */
  #cachedSubstrings(token: string): Set<string> {
    const out = new Set<string>();
    if (this.#termCache.size === 0) return out;
    const max = Math.min(token.length, 64);
    for (let i = 0; i < max; i++) {
      if (!this.#cachedFirst.has(token.charCodeAt(i))) continue;
      for (let j = i + 1; j <= max; j++) out.add(token.slice(i, j));
    }
    return out;
  }

  #uncache(term: string): void {
    if (!this.#termCache.delete(term)) return;
    const first = term.charCodeAt(0);
    const n = this.#cachedFirst.get(first)! - 1;
    if (n === 0) this.#cachedFirst.delete(first);
    else this.#cachedFirst.set(first, n);
  }
}
