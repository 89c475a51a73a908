/**
 * Bitsets of the files that match frequent search terms, kept while the index
 * is unchanged. A search walks its rarest term's postings; every other term
 * that has a bitset here filters those candidates with one bit test, instead
 * of a forward-index lookup per candidate or marking the term's postings
 * (hundreds of thousands for a common syllable) into a bitset on every query.
 * A pure data structure; no I/O.
 * @module
 */
import type { TermMatch } from "./token_index.ts";

/** When a term gets a bitset, and how many are kept. */
export interface HotTermOptions {
  /** Postings a term needs at least (default 4096)… */
  minCount?: number;
  /** …and at least this share of all files (default 1/64). */
  minShare?: number;
  /** Uses at one index version before the bitset is built (default 2). */
  uses?: number;
  /** Terms tracked, least recently used dropped first (default 32: at most 4 MB of bitsets at 1M files). */
  max?: number;
}

interface Entry {
  /** Index version the uses and bits belong to. */
  version: number;
  uses: number;
  /** Valid only when built is true; otherwise kept for reuse. */
  bits: Uint32Array | null;
  built: boolean;
}

/** Least recently used cache of term bitsets, each valid for one index version. */
export class HotTerms {
  readonly #entries = new Map<TermMatch, Entry>();
  readonly #minCount: number;
  readonly #minShare: number;
  readonly #uses: number;
  readonly #max: number;

  constructor(options: HotTermOptions = {}) {
    this.#minCount = options.minCount ?? 4096;
    this.#minShare = options.minShare ?? 1 / 64;
    this.#uses = Math.max(1, options.uses ?? 2);
    this.#max = Math.max(1, options.max ?? 32);
  }

  /**
   * The bitset of the files in `match`'s postings (bit `id` set) when the term
   * is frequent and has been used often enough at this version (built now if
   * due), else null. `files` is the number of files in the index; file ids are
   * below `idLimit`. The bitset is valid until the index changes.
   */
  bits(match: TermMatch, files: number, idLimit: number): Uint32Array | null {
    if (match.count < Math.max(this.#minCount, files * this.#minShare)) return null;
    let entry = this.#entries.get(match);
    if (entry === undefined) entry = { version: -1, uses: 0, bits: null, built: false };
    else this.#entries.delete(match); // set again below: most recently used
    this.#entries.set(match, entry);
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    if (entry.version !== match.version) {
      entry.version = match.version;
      entry.uses = 0;
      entry.built = false;
    }
    const words = (idLimit >>> 5) + 1;
    if (entry.built && entry.bits!.length === words) return entry.bits;
    if (++entry.uses < this.#uses) return null;
    if (entry.bits === null || entry.bits.length !== words) entry.bits = new Uint32Array(words);
    else entry.bits.fill(0);
    const bits = entry.bits;
    for (const p of match.postings) {
      const ids = p.ids;
      for (let i = 0; i < p.length; i++) bits[ids[i] >>> 5] |= 1 << (ids[i] & 31);
    }
    entry.built = true;
    return bits;
  }
}
