/**
 * Inverted index from tokens to ids, with a gram index over the vocabulary so
 * that a query word matches tokens that contain it as a substring.
 * A pure data structure; no I/O.
 * @module
 */

/** Splits text into lower-case runs of letters and digits. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t !== "");
}

const GRAM = 3;

/** token → ids, plus gram (1 to 3 characters) → tokens containing it. */
export class TokenIndex {
  readonly #postings = new Map<string, Set<number>>();
  readonly #grams = new Map<string, Set<string>>();

  /** Number of distinct tokens. */
  get vocabularySize(): number {
    return this.#postings.size;
  }

  /** Indexes `id` under each of `tokens`. */
  add(id: number, tokens: Iterable<string>): void {
    for (const t of new Set(tokens)) {
      let ids = this.#postings.get(t);
      if (!ids) {
        this.#postings.set(t, ids = new Set());
        for (const g of gramsOf(t)) {
          let toks = this.#grams.get(g);
          if (!toks) this.#grams.set(g, toks = new Set());
          toks.add(t);
        }
      }
      ids.add(id);
    }
  }

  /** Removes `id` from each of `tokens` (the same tokens it was added with). */
  remove(id: number, tokens: Iterable<string>): void {
    for (const t of new Set(tokens)) {
      const ids = this.#postings.get(t);
      if (!ids) continue;
      ids.delete(id);
      if (ids.size > 0) continue;
      this.#postings.delete(t);
      for (const g of gramsOf(t)) {
        const toks = this.#grams.get(g);
        toks?.delete(t);
        if (toks?.size === 0) this.#grams.delete(g);
      }
    }
  }

  /**
   * Visits the ids of every token that contains the most selective of
   * `queryTokens` as a substring, until `visit` returns false. Ids may repeat;
   * the caller checks each against the whole query. Visits nothing when any
   * query token occurs in no token at all.
   */
  scan(queryTokens: string[], visit: (id: number) => boolean): void {
    let best: string[] | null = null;
    let bestCost = Infinity;
    for (const q of new Set(queryTokens)) {
      const tokens = this.#tokensContaining(q);
      let cost = 0;
      for (const t of tokens) {
        cost += this.#postings.get(t)!.size;
        if (cost >= bestCost) break;
      }
      if (cost === 0) return;
      if (cost < bestCost) [best, bestCost] = [tokens, cost];
    }
    for (const t of best ?? []) {
      for (const id of this.#postings.get(t)!) if (!visit(id)) return;
    }
  }

  #tokensContaining(q: string): string[] {
    if (q.length <= GRAM) return [...this.#grams.get(q) ?? []];
    let smallest: Set<string> | undefined;
    for (let i = 0; i + GRAM <= q.length; i++) {
      const toks = this.#grams.get(q.slice(i, i + GRAM));
      if (!toks) return [];
      if (!smallest || toks.size < smallest.size) smallest = toks;
    }
    return [...smallest!].filter((t) => t.includes(q));
  }
}

function gramsOf(token: string): Set<string> {
  const grams = new Set<string>();
  for (let n = 1; n <= GRAM; n++) {
    for (let i = 0; i + n <= token.length; i++) grams.add(token.slice(i, i + n));
  }
  return grams;
}
