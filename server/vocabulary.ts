/**
 * Who pays for the vocabulary. The gram index behind substring search costs
 * some hundred bytes per character of vocabulary, so the words new to the
 * index are rationed: each is charged to the address (all peers connected
 * from one IP address) whose record brought it, until it leaves the
 * vocabulary, when the charge is given back (exact accounting: what an
 * address may still add depends only on its words present now).
 *
 * - The whole vocabulary holds at most `total` characters (4 MiB).
 * - An address may have `perAddress` characters charged to its general
 *   allowance (64 KiB by default, 1/64 of the whole), and all general
 *   charges together stay under `total - nameReserve` (3 MiB): the last MiB
 *   is for names only.
 * - A record's name words come first. Up to `nameWords` (4) new words of a
 *   record's name that the general allowance no longer covers are charged to
 *   the address's name allowance (`perAddressNames`, 16 KiB), in the reserve:
 *   a new file stays findable by its name after 48 addresses have spent all
 *   the general allowances may hold, until 64 have spent their name
 *   allowances too.
 * - One record adds at most `recordTokens` (32) new words of at most
 *   `recordChars` (256) characters together.
 *
 * A pure data structure; no I/O.
 * @module
 */

/** The vocabulary's bounds (see the module documentation). */
export interface VocabularyLimits {
  total: number;
  nameReserve: number;
  perAddressNames: number;
  nameWords: number;
  recordTokens: number;
  recordChars: number;
}

/** Characters of new words one address may have charged to its general allowance, by default. */
export const DEFAULT_VOCABULARY_PER_ADDRESS = 64 * 1024;

/** The defaults. */
export const VOCABULARY_LIMITS: VocabularyLimits = {
  total: 4 * 1024 * 1024,
  nameReserve: 1024 * 1024,
  perAddressNames: 16 * 1024,
  nameWords: 4,
  recordTokens: 32,
  recordChars: 256,
};

/**
 * Decides, for one record's words new to the index, whether each is added:
 * returns the charge to record with it (see Vocabulary.released), or -1 to
 * leave it out. `index` is the word's place among the record's words (those
 * below the record's name word count are its name's).
 */
export type Admit = (token: string, index: number) => number;

/** Per-address charges for the words in the vocabulary. */
export class Vocabulary {
  readonly limits: VocabularyLimits;
  readonly #ids = new Map<string, number>();
  readonly #addresses: (string | undefined)[] = [];
  /** Per address id: characters charged to its general allowance, and to its name allowance. */
  readonly #general: number[] = [];
  readonly #names: number[] = [];
  readonly #free: number[] = [];
  #generalChars = 0;
  #nameChars = 0;

  constructor(limits: Partial<VocabularyLimits> = {}) {
    this.limits = { ...VOCABULARY_LIMITS, ...limits };
  }

  /** Characters charged in all (the vocabulary's size in characters). */
  get chars(): number {
    return this.#generalChars + this.#nameChars;
  }

  /** Characters charged to `address`: to its general allowance and to its name allowance. */
  charged(address: string): { general: number; names: number } {
    const id = this.#ids.get(address);
    return id === undefined
      ? { general: 0, names: 0 }
      : { general: this.#general[id], names: this.#names[id] };
  }

  /**
   * The admission of one record's new words, from `address`, whose first
   * `nameCount` words are its name's; the address may have `perAddress`
   * characters charged to its general allowance.
   */
  admit(address: string, nameCount: number, perAddress: number): Admit {
    const l = this.limits;
    let tokens = 0;
    let chars = 0;
    let nameWords = 0;
    return (token, index) => {
      const n = token.length;
      if (tokens >= l.recordTokens || chars + n > l.recordChars || this.chars + n > l.total) {
        return -1;
      }
      const id = this.#idOf(address);
      let charge = -1;
      if (
        this.#general[id] + n <= perAddress && this.#generalChars + n <= l.total - l.nameReserve
      ) {
        this.#general[id] += n;
        this.#generalChars += n;
        charge = id * 2;
      } else if (
        index < nameCount && nameWords < l.nameWords && this.#names[id] + n <= l.perAddressNames
      ) {
        nameWords++;
        this.#names[id] += n;
        this.#nameChars += n;
        charge = id * 2 + 1;
      }
      if (charge < 0) {
        this.#forget(id);
        return -1;
      }
      tokens++;
      chars += n;
      return charge;
    };
  }

  /** Gives back the charge of a word of `chars` characters that left the vocabulary. */
  released(charge: number, chars: number): void {
    if (charge < 0) return;
    const id = charge >> 1;
    if (charge & 1) {
      this.#names[id] -= chars;
      this.#nameChars -= chars;
    } else {
      this.#general[id] -= chars;
      this.#generalChars -= chars;
    }
    this.#forget(id);
  }

  #idOf(address: string): number {
    let id = this.#ids.get(address);
    if (id === undefined) {
      id = this.#free.pop() ?? this.#addresses.length;
      this.#ids.set(address, id);
      this.#addresses[id] = address;
      this.#general[id] = 0;
      this.#names[id] = 0;
    }
    return id;
  }

  /** Drops an address that has nothing charged. */
  #forget(id: number): void {
    if (this.#addresses[id] === undefined || this.#general[id] !== 0 || this.#names[id] !== 0) {
      return;
    }
    this.#ids.delete(this.#addresses[id]!);
    this.#addresses[id] = undefined;
    this.#free.push(id);
  }
}
