/**
 * The gram index over the vocabulary: every 3- and 4-character substring
 * (gram) of a token maps to the ids of the tokens containing it, so a query
 * word finds the tokens it is a substring of without scanning them all. Most
 * grams belong to one token; those keep its id inline rather than a Set, which
 * makes a brand-new gram cost about 45 bytes instead of about 200.
 * A pure data structure; no I/O.
 * @module
 */

import { ShardedMap } from "./sharded_map.ts";

/** Shortest gram indexed; shorter query words scan the vocabulary. */
export const GRAM_MIN = 3;
/** Longest gram indexed; longer query words look up their rarest gram of this length. */
export const GRAM_MAX = 4;

/** Gram → ids of the tokens that contain it. */
export class GramIndex {
  readonly #grams = new ShardedMap<string, number | Set<number>>();

  /** Indexes token `id` under every gram of `token`. */
  add(token: string, id: number): void {
    for (const g of gramsOf(token)) {
      const v = this.#grams.get(g);
      if (v === undefined) this.#grams.set(g, id);
      else if (typeof v === "number") this.#grams.set(g, new Set([v, id]));
      else v.add(id);
    }
  }

  /** Forgets token `id` (whose text is `token`). */
  delete(token: string, id: number): void {
    for (const g of gramsOf(token)) {
      const v = this.#grams.get(g);
      if (v === undefined) continue;
      if (typeof v === "number") {
        if (v === id) this.#grams.delete(g);
        continue;
      }
      v.delete(id);
      if (v.size === 1) this.#grams.set(g, v.values().next().value!);
      else if (v.size === 0) this.#grams.delete(g);
    }
  }

  /** Ids of the tokens containing `gram` (GRAM_MIN to GRAM_MAX characters). */
  tokens(gram: string): Iterable<number> {
    const v = this.#grams.get(gram);
    return v === undefined ? [] : typeof v === "number" ? [v] : v;
  }

  /** How many tokens contain `gram`. */
  count(gram: string): number {
    const v = this.#grams.get(gram);
    return v === undefined ? 0 : typeof v === "number" ? 1 : v.size;
  }
}

function gramsOf(token: string): Set<string> {
  const grams = new Set<string>();
  for (let n = GRAM_MIN; n <= GRAM_MAX; n++) {
    for (let i = 0; i + n <= token.length; i++) grams.add(token.slice(i, i + n));
  }
  return grams;
}
