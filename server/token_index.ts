/**
 * Inverted index from tokens to file ids, compact enough for millions of files:
 * each token's ids live in a growable Int32Array; removals filter each
 * affected list once per batch. A gram index over the vocabulary finds the tokens that contain a
 * query word as a substring. A pure data structure; no I/O.
 * @module
 */

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

const GRAM = 3;
const TERM_CACHE_SIZE = 50_000;

/** Every distinct substring of a token (tokens are short: names are split into words). */
function substrings(token: string): Set<string> {
  const out = new Set<string>();
  const max = Math.min(token.length, 64);
  for (let i = 0; i < max; i++) for (let j = i + 1; j <= max; j++) out.add(token.slice(i, j));
  return out;
}

/** token → ids, plus gram (1 to 3 characters) → tokens containing it. */
export class TokenIndex {
  readonly #postings = new Map<string, Posting>();
  readonly #grams = new Map<string, Set<string>>();
  /** Query term → postings of the tokens containing it; valid while the vocabulary is unchanged. */
  readonly #termCache = new Map<string, Posting[]>();

  /** Number of distinct tokens. */
  get vocabularySize(): number {
    return this.#postings.size;
  }

  /** The posting list of a token. */
  posting(token: string): Posting | undefined {
    return this.#postings.get(token);
  }

  /** Indexes `id` under each of `tokens` (already deduplicated). */
  add(id: number, tokens: readonly string[]): void {
    for (const t of tokens) {
      let p = this.#postings.get(t);
      if (!p) {
        this.#postings.set(t, p = { ids: new Int32Array(4), length: 0 });
        this.#extendCache(t, p);
        for (const g of gramsOf(t)) {
          let toks = this.#grams.get(g);
          if (!toks) this.#grams.set(g, toks = new Set());
          toks.add(t);
        }
      }
      if (p.length === p.ids.length) {
        const grown = new Int32Array(p.ids.length * (p.ids.length < 1024 ? 4 : 2));
        grown.set(p.ids);
        p.ids = grown;
      }
      p.ids[p.length++] = id;
    }
  }

  /**
   * Removes ids from tokens' lists: one pass over each affected list, however
   * many of its ids go. A token whose list empties leaves the vocabulary.
   */
  removeIds(byToken: Map<string, Set<number>>): void {
    for (const [t, gone] of byToken) {
      const p = this.#postings.get(t);
      if (!p) continue;
      let n = 0;
      for (let i = 0; i < p.length; i++) if (!gone.has(p.ids[i])) p.ids[n++] = p.ids[i];
      p.length = n;
      if (n > 0) {
        if (n * 4 < p.ids.length && p.ids.length > 8) p.ids = p.ids.slice(0, n * 2);
        continue;
      }
      this.#postings.delete(t);
      this.#forgetInCache(t);
      for (const g of gramsOf(t)) {
        const toks = this.#grams.get(g);
        toks?.delete(t);
        if (toks?.size === 0) this.#grams.delete(g);
      }
    }
  }

  /** Posting lists of every token that contains `term` (cached until the vocabulary changes). */
  postingsContaining(term: string): Posting[] {
    let hit = this.#termCache.get(term);
    if (!hit) {
      hit = [];
      for (const t of this.tokensContaining(term)) hit.push(this.#postings.get(t)!);
      if (this.#termCache.size >= TERM_CACHE_SIZE) {
        this.#termCache.delete(this.#termCache.keys().next().value!); // oldest first
      }
      this.#termCache.set(term, hit);
    }
    return hit;
  }

  /** A new token joins the cached answers of every cached term it contains. */
  #extendCache(token: string, p: Posting): void {
    if (this.#termCache.size === 0) return;
    for (const sub of substrings(token)) this.#termCache.get(sub)?.push(p);
  }

  /** A removed token leaves the cached answers it was part of. */
  #forgetInCache(token: string): void {
    if (this.#termCache.size === 0) return;
    for (const sub of substrings(token)) this.#termCache.delete(sub);
  }

  /** Vocabulary tokens that contain `q` as a substring. */
  tokensContaining(q: string): Iterable<string> {
    if (q.length <= GRAM) return this.#grams.get(q) ?? [];
    let smallest: Set<string> | undefined;
    for (let i = 0; i + GRAM <= q.length; i++) {
      const toks = this.#grams.get(q.slice(i, i + GRAM));
      if (!toks) return [];
      if (!smallest || toks.size < smallest.size) smallest = toks;
    }
    const out: string[] = [];
    for (const t of smallest!) if (t.includes(q)) out.push(t);
    return out;
  }
}

function gramsOf(token: string): Set<string> {
  const grams = new Set<string>();
  for (let n = 1; n <= GRAM; n++) {
    for (let i = 0; i + n <= token.length; i++) grams.add(token.slice(i, i + n));
  }
  return grams;
}
