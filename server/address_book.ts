/**
 * How many files each address (all the peers connected from it) holds on
 * the index, counting those promised to a REGISTER under way. The
 * per-address file cap is read here (the vocabulary's is in vocabulary.ts).
 * A pure data structure; no I/O.
 * @module
 */

/** Per-address counts of files. */
export class AddressBook {
  readonly #files = new Map<string, number>();
  #promised = 0;

  /** Files promised to REGISTERs under way, all addresses together. */
  get promised(): number {
    return this.#promised;
  }

  /** Files from `address`, counting those promised to REGISTERs under way. */
  files(address: string): number {
    return this.#files.get(address) ?? 0;
  }

  /** Counts `n` more (or fewer) files for `address`. */
  count(address: string, n: number): void {
    const now = this.files(address) + n;
    if (now === 0) this.#files.delete(address);
    else this.#files.set(address, now);
  }

  /** Counts `n` files (negative: gives them back) as promised to a REGISTER from `address`. */
  promise(address: string, n: number): void {
    if (n === 0) return;
    this.#promised += n;
    this.count(address, n);
  }
}
