/**
 * Inverted index from tokens to file ids, compact enough for millions of files:
 * each token has a numeric id and its file ids live in a growable Int32Array;
 * removals filter each affected list once per batch. A gram index over the
 * vocabulary finds the tokens that contain a query word as a substring, and a
 * forward index (file → token ids) lets a search test candidates cheaply.
 * A pure data structure; no I/O.
 * @module
 */
import { FileTokens } from "./file_tokens.ts";
import { grown } from "./typed_arrays.ts";

/** Splits text into lower-case runs of letters and digits (deduplicated, in order). */
export function tokenize(text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  let start = -1;
  let ascii = true;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 32;
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (word || (c > 127 && (ascii = false, true))) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) out.push(lower.slice(start, i));
    start = -1;
  }
  const tokens = ascii
    ? out
    : out.flatMap((t) => t.split(/[^\p{L}\p{N}]+/u)).filter((t) => t !== "");
  return tokens.length > 1 ? [...new Set(tokens)] : tokens;
}

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

/** Grams of 3 and 4 characters index the vocabulary; shorter words scan it (then stay cached). */
const GRAM_MIN = 3;
const GRAM_MAX = 4;
const TERM_CACHE_SIZE = 50_000;
/** Terms one search can test per candidate through token marks (bits of a Uint32). */
export const MAX_MARKED_TERMS = 32;

/** Every distinct substring of a token (tokens are short: names are split into words). */
function substrings(token: string): Set<string> {
  const out = new Set<string>();
  const max = Math.min(token.length, 64);
  for (let i = 0; i < max; i++) for (let j = i + 1; j <= max; j++) out.add(token.slice(i, j));
  return out;
}

/** token → ids, gram (1 to 3 characters) → tokens containing it, and file → token ids. */
export class TokenIndex {
  readonly #ids = new Map<string, number>();
  #postings: (Posting | undefined)[] = [];
  #names: (string | undefined)[] = [];
  readonly #freeIds: number[] = [];
  readonly #grams = new Map<string, Set<string>>();
  /** Query term → the tokens containing it; valid while the vocabulary is unchanged. */
  readonly #termCache = new Map<string, TermMatch>();
  readonly #files = new FileTokens();
  /** Bumped by every change to the postings, so cached counts know when they are stale. */
  #version = 0;
  /** Per token id: bits of the terms of the search under way that it contains (0 otherwise). */
  #marks = new Uint32Array(1024);

  /** Number of distinct tokens. */
  get vocabularySize(): number {
    return this.#ids.size;
  }

  /** The posting list of a token. */
  posting(token: string): Posting | undefined {
    const id = this.#ids.get(token);
    return id === undefined ? undefined : this.#postings[id];
  }

  /** Indexes `file` under each of `tokens` (already deduplicated). */
  add(file: number, tokens: readonly string[]): void {
    this.#version++;
    const ids: number[] = [];
    for (const t of tokens) {
      const id = this.#ids.get(t) ?? this.#newToken(t);
      const p = this.#postings[id]!;
      if (p.length === p.ids.length) {
        p.ids = grown(p.ids, p.ids.length * (p.ids.length < 1024 ? 4 : 2));
      }
      p.ids[p.length++] = file;
      ids.push(id);
    }
    this.#files.set(file, ids);
  }

  /**
   * Removes files from every list they are in: one pass over each affected
   * list, however many of its files go. A token whose list empties leaves the
   * vocabulary.
   */
  remove(files: readonly number[]): void {
    this.#version++;
    const byToken = new Map<number, Set<number>>();
    for (const f of files) {
      for (const t of this.#files.get(f)) {
        let gone = byToken.get(t);
        if (!gone) byToken.set(t, gone = new Set());
        gone.add(f);
      }
      this.#files.delete(f);
    }
    for (const [id, gone] of byToken) {
      const p = this.#postings[id]!;
      let n = 0;
      for (let i = 0; i < p.length; i++) if (!gone.has(p.ids[i])) p.ids[n++] = p.ids[i];
      p.length = n;
      if (n === 0) this.#dropToken(id);
      else if (n * 4 < p.ids.length && p.ids.length > 8) p.ids = p.ids.slice(0, n * 2);
    }
  }

  /** The tokens that contain `term` and their postings (cached until the vocabulary changes). */
  term(term: string): TermMatch {
    let hit = this.#termCache.get(term);
    if (!hit) {
      hit = { tokens: [], postings: [], count: 0, version: -1 };
      for (const t of this.tokensContaining(term)) {
        const id = this.#ids.get(t)!;
        hit.tokens.push(id);
        hit.postings.push(this.#postings[id]!);
      }
      if (this.#termCache.size >= TERM_CACHE_SIZE) {
        this.#termCache.delete(this.#termCache.keys().next().value!); // oldest first
      }
      this.#termCache.set(term, hit);
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
  tokensContaining(q: string): Iterable<string> {
    if (q.length < GRAM_MIN) {
      const out: string[] = [];
      for (const t of this.#ids.keys()) if (t.includes(q)) out.push(t);
      return out;
    }
    if (q.length <= GRAM_MAX) return this.#grams.get(q) ?? [];
    let smallest: Set<string> | undefined;
    for (let i = 0; i + GRAM_MAX <= q.length; i++) {
      const toks = this.#grams.get(q.slice(i, i + GRAM_MAX));
      if (!toks) return [];
      if (!smallest || toks.size < smallest.size) smallest = toks;
    }
    const out: string[] = [];
    for (const t of smallest!) if (t.includes(q)) out.push(t);
    return out;
  }

  #newToken(token: string): number {
    const id = this.#freeIds.pop() ?? this.#postings.length;
    if (id >= this.#marks.length) {
      this.#marks = grown(this.#marks, this.#marks.length * 2);
    }
    const p: Posting = { ids: new Int32Array(4), length: 0 };
    this.#ids.set(token, id);
    this.#postings[id] = p;
    this.#names[id] = token;
    for (const g of gramsOf(token)) {
      let toks = this.#grams.get(g);
      if (!toks) this.#grams.set(g, toks = new Set());
      toks.add(token);
    }
    // A new token joins the cached answers of every cached term it contains.
    if (this.#termCache.size > 0) {
      for (const sub of substrings(token)) {
        const hit = this.#termCache.get(sub);
        hit?.tokens.push(id);
        hit?.postings.push(p);
      }
    }
    return id;
  }

  #dropToken(id: number): void {
    const token = this.#names[id]!;
    this.#ids.delete(token);
    this.#names[id] = undefined;
    this.#postings[id] = undefined;
    this.#freeIds.push(id);
    // A removed token leaves the cached answers it was part of.
    if (this.#termCache.size > 0) {
      for (const sub of substrings(token)) this.#termCache.delete(sub);
    }
    for (const g of gramsOf(token)) {
      const toks = this.#grams.get(g);
      toks?.delete(token);
      if (toks?.size === 0) this.#grams.delete(g);
    }
  }
}

function gramsOf(token: string): Set<string> {
  const grams = new Set<string>();
  for (let n = GRAM_MIN; n <= GRAM_MAX; n++) {
    for (let i = 0; i + n <= token.length; i++) grams.add(token.slice(i, i + n));
  }
  return grams;
}
