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
  /**
   * Bitsets kept (default 128: at most 16 MB at 1M files). When all are
   * built, a term gets one only by taking the buffer of a colder term's (one
   * used less lately), so terms searched now and then cannot push out those
   * searched all the time. Four times as many terms have their uses counted.
   */
  max?: number;
}

interface Entry {
  /** Index version the uses and bits belong to. */
  version: number;
  uses: number;
  /** Uses at any version, halved now and then: how hot the term is. */
  heat: number;
  /** The term's bitset at `version`, when built. */
  bits: Uint32Array | null;
}

/** Least recently used cache of term bitsets, each valid for one index version. */
export class HotTerms {
  readonly #entries = new Map<TermMatch, Entry>();
  /** Buffers of bitsets gone stale, for reuse. Buffers in all: at most `max`. */
  readonly #spare: Uint32Array[] = [];
  readonly #minCount: number;
  readonly #minShare: number;
  readonly #uses: number;
  readonly #max: number;
  #built = 0;
  #calls = 0;

  constructor(options: HotTermOptions = {}) {
    this.#minCount = options.minCount ?? 4096;
    this.#minShare = options.minShare ?? 1 / 64;
    this.#uses = Math.max(1, options.uses ?? 2);
    this.#max = Math.max(1, options.max ?? 128);
  }

  /** Bytes held in bitsets and spare buffers. */
  get bytes(): number {
    let n = 0;
    for (const e of this.#entries.values()) n += e.bits?.byteLength ?? 0;
    for (const b of this.#spare) n += b.byteLength;
    return n;
  }

  /**
   * The bitset of the files in `match`'s postings (bit `id` set) when the term
   * is frequent and has been used often enough at this version (built now if
   * due), else null. `files` is the number of files in the index; file ids are
   * below `idLimit`. The bitset is valid until the index changes. Bitsets in
   * `held` (those the caller still uses) are never refilled for another term.
   * A bitset is built only while `builds.left` allows (it is counted down).
   */
  bits(
    match: TermMatch,
    files: number,
    idLimit: number,
    held: readonly Uint32Array[] = [],
    builds: { left: number } = { left: Infinity },
  ): Uint32Array | null {
    if (match.count < Math.max(this.#minCount, files * this.#minShare)) return null;
    const words = (idLimit >>> 5) + 1;
    let entry = this.#entries.get(match);
    if (entry === undefined) entry = { version: match.version, uses: 0, heat: 0, bits: null };
    else this.#entries.delete(match); // set again below: most recently used
    this.#entries.set(match, entry);
    entry.heat++;
    if (++this.#calls % (this.#max * 64) === 0) {
      for (const e of this.#entries.values()) e.heat /= 2;
    }
    if (this.#entries.size > this.#max * 4) {
      const [oldest, gone] = this.#entries.entries().next().value!;
      this.#release(gone);
      this.#entries.delete(oldest);
    }
    if (entry.version !== match.version || (entry.bits && entry.bits.length !== words)) {
      entry.version = match.version;
      entry.uses = 0;
      this.#release(entry);
    }
    if (entry.bits) return entry.bits;
    if (++entry.uses < this.#uses || builds.left <= 0) return null;
    const bits = this.#buffer(words, entry.heat, held);
    if (bits === null) return null;
    builds.left--;
    for (const p of match.postings) {
      const ids = p.ids;
      for (let i = 0; i < p.length; i++) bits[ids[i] >>> 5] |= 1 << (ids[i] & 31);
    }
    entry.bits = bits;
    this.#built++;
    return bits;
  }

  /**
   * A zeroed buffer of `words` words for a term of `heat`: a spare one, new
   * while fewer than `max` are built, else the coldest bitset's when that one
   * is colder (least recently used among equals), else null: a term used now
   * and then does not push out one used all the time. Bitsets in `held` are
   * not taken.
   */
  #buffer(words: number, heat: number, held: readonly Uint32Array[]): Uint32Array | null {
    let buf = this.#spare.pop();
    if (buf === undefined && this.#built >= this.#max) {
      let coldest: Entry | undefined;
      for (const entry of this.#entries.values()) {
        if (!entry.bits || held.includes(entry.bits)) continue;
        if (coldest === undefined || entry.heat < coldest.heat) coldest = entry;
      }
      if (coldest === undefined || coldest.heat >= heat) return null;
      buf = coldest.bits!;
      coldest.bits = null;
      this.#built--;
    }
    if (buf === undefined || buf.length !== words) return new Uint32Array(words);
    return buf.fill(0);
  }

  /** Drops an entry's bitset, keeping its buffer for reuse. */
  #release(entry: Entry): void {
    if (!entry.bits) return;
    if (this.#spare.length + this.#built <= this.#max) this.#spare.push(entry.bits);
    entry.bits = null;
    this.#built--;
  }
}
