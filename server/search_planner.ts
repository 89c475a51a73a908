/**
 * How a search walks the token index, planned by cost: only the postings of
 * the most selective term are walked; each candidate is tested against the
 * other terms through the forward index, through bitsets of frequent terms
 * (HotTerms), or, once testing has cost about as much as intersecting the
 * other terms' postings would, through that intersection marked into a bitset.
 * Which candidates count (records, text, grouping) is the caller's business.
 * A pure data structure; no I/O.
 * @module
 */
import { type HotTermOptions, HotTerms } from "./hot_terms.ts";
import { fold, MAX_TOKEN_CHARS, tokenize } from "./record_text.ts";
import { MAX_MARKED_TERMS, type TermMatch, type TokenIndex } from "./token_index.ts";

/** Candidates tested through the forward index before a bitset is considered at all. */
const CHECK_BUDGET_BASE = 32;
/** Ids marked into a bitset in the time one candidate is tested (measured: ~2 ns vs ~80 ns). */
const MARKS_PER_CHECK = 40;
/**
 * Bitsets of frequent terms one search may build (each costs a pass over the
 * term's postings, up to one per file; a query of many frequent words would
 * otherwise build one for each after every change to the index).
 */
const BUILDS_PER_SEARCH = 1;

/** A term of a search: what it matches and how many postings that is. */
interface Term {
  match: TermMatch;
  cost: number;
}

/** How one search walks the index (from `plan`; give it back with `finish`). */
export interface SearchPlan {
  /** The query's folded words, deduplicated. */
  words: string[];
  /** The whole folded query: base names equal to it rank first. */
  exact: string;
  /**
   * Candidates must be checked against the text too: a word spans punctuation,
   * is longer than an indexed token, or the query has more terms than can be marked.
   */
  textCheck: boolean;
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
  marked: TermMatch[];
  /** Files in the index, and the bound on their ids, when planned. */
  files: number;
  idLimit: number;
}

/** Plans and walks searches over one TokenIndex. */
export class SearchPlanner {
  readonly #tokens: TokenIndex;
  readonly #hot: HotTerms;
  #bits = new Uint32Array(0);
  #spare = new Uint32Array(0);

  constructor(tokens: TokenIndex, hotTerms: HotTermOptions = {}) {
    this.#tokens = tokens;
    this.#hot = new HotTerms(hotTerms);
  }

  /** Bytes held by the bitsets of frequent search terms. */
  get termBitsetBytes(): number {
    return this.#hot.bytes;
  }

  /**
   * The plan for `query` over `files` files with ids below `idLimit`, or null
   * when nothing can match. Marks the index for this search: call `finish`.
   */
  plan(query: string, files: number, idLimit: number): SearchPlan | null {
    const folded = fold(query);
    const words = [...new Set(folded.split(/\s+/).filter((w) => w !== ""))];
    if (words.length === 0) return null;
    // A word that is one plain token is matched exactly by the token index; others need the text.
    let textCheck = words.some((w) => {
      const t = tokenize(w);
      return t.length !== 1 || t[0] !== w || w.length > MAX_TOKEN_CHARS;
    });
    const terms = [...new Set(words.flatMap(tokenize).map((t) => t.slice(0, MAX_TOKEN_CHARS)))]
      .map((term) => {
        const match = this.#tokens.term(term);
        return { match, cost: match.count };
      }).sort((a, b) => a.cost - b.cost);
    if (terms.length === 0 || terms[0].cost === 0) return null;
    const [driver, ...rest] = terms;
    // Frequent terms with a cached bitset filter candidates with a bit test each.
    const filters: Uint32Array[] = [];
    const others: Term[] = [];
    let passing = 1;
    const builds = { left: BUILDS_PER_SEARCH };
    for (const t of rest) {
      const bits = this.#hot.bits(t.match, files, idLimit, filters, builds);
      if (bits) {
        filters.push(bits);
        passing *= density(t, files);
      } else others.push(t);
    }
    const marked = others.slice(0, MAX_MARKED_TERMS).map((t) => t.match);
    const all = this.#tokens.mark(marked);
    textCheck ||= others.length > MAX_MARKED_TERMS;
    const exact = folded.trim();
    return {
      words,
      exact,
      textCheck,
      driver,
      others,
      filters,
      passing,
      all,
      marked,
      files,
      idLimit,
    };
  }

  /** Clears the marks a plan set. */
  finish(plan: SearchPlan): void {
    this.#tokens.unmark(plan.marked);
  }

  /**
   * Offers `accept` the files that have every term, `exact` ids (files whose
   * base name is the whole query) first, until it returns false or
   * `budget.candidates` (files tested or offered) runs out. Expects about
   * `limit` + 1 acceptances, which steers the plan.
   */
  run(
    plan: SearchPlan,
    exact: Iterable<number>,
    limit: number,
    accept: (id: number) => boolean,
    work: { candidates: number },
  ): void {
    const { driver, others, filters } = plan;
    let need = plan.all;
    const take = (id: number): boolean => {
      if (--work.candidates < 0) return false;
      return need !== 0 && !this.#tokens.covers(id, need) ? true : accept(id);
    };
    for (const id of exact) if (inEvery(filters, id) && !take(id)) return;
    // Candidates are tested through the forward index, which costs about as much
    // as marking MARKS_PER_CHECK ids into a bitset. When matches are expected to
    // be sparse, the next term's postings are marked into a bitset first, and
    // only the candidates in it are tested. When dense matches were expected but
    // don't come, ski rental: after testing as many candidates as the bitset
    // would have cost, mark it and go on.
    if (others.length === 0) {
      this.#walk(plan, [], take, Infinity);
      return;
    }
    const files = plan.files;
    const matchRate = others.reduce((d, o) => d * density(o, files), 1);
    // Candidates that pass the filters (assumed independent, like the terms).
    const candidates = driver.cost * plan.passing;
    const expected = Math.min(candidates, (limit + 1) / Math.max(matchRate, 1e-9));
    const markCost = Math.ceil(others[0].cost / MARKS_PER_CHECK);
    // The bitset stands for the next term, and for each one after it while the
    // candidates that would pass the bitset cost more to test than marking that term.
    let inBits = 1;
    for (let pass = candidates * density(others[0], files); inBits < Math.min(others.length, 31);) {
      if (pass <= others[inBits].cost / MARKS_PER_CHECK) break;
      pass *= density(others[inBits++], files);
    }
    const switchToBits = () => {
      need &= ~((1 << inBits) - 1); // marked terms 0 .. inBits-1 are in the bitset
    };
    const budget = expected > markCost ? 0 : CHECK_BUDGET_BASE + markCost;
    this.#walk(plan, others.slice(0, inBits), take, budget, switchToBits);
  }

  /**
   * Walks the driver's postings through `take` until it says stop. After
   * `budget` candidates, the intersection of `next`'s postings is marked into a
   * bitset that filters the rest of the walk (`onBits` is told).
   */
  #walk(
    plan: SearchPlan,
    next: Term[],
    take: (id: number) => boolean,
    budget: number,
    onBits?: () => void,
  ): void {
    const { driver, filters } = plan;
    if (budget <= 0 && next.length > 0) {
      // Sparse matches expected: the bitset first, then a tight walk.
      const bits = this.#markBits(next, plan.idLimit);
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
          bits = this.#markBits(next, plan.idLimit);
          onBits?.();
        }
        if (bits !== null && (bits[id >>> 5] & (1 << (id & 31))) === 0) continue;
        if (!take(id)) return;
      }
    }
  }

  /** A bitset of the ids in every one of the terms' postings (buffers are reused). */
  #markBits(terms: Term[], idLimit: number): Uint32Array {
    const words = (idLimit >>> 5) + 1;
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
}

/** Share of all files a term matches (at most 1). */
function density(t: Term, files: number): number {
  return Math.min(1, t.cost / Math.max(1, files));
}

/** Whether bit `id` is set in every one of `bitsets` (true when there are none). */
function inEvery(bitsets: Uint32Array[], id: number): boolean {
  const word = id >>> 5;
  const bit = 1 << (id & 31);
  for (let k = 0; k < bitsets.length; k++) if ((bitsets[k][word] & bit) === 0) return false;
  return true;
}
