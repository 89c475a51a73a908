/**
 * What each address (all the peers connected from it) holds on the index:
 * files, counting those promised to a REGISTER under way, and the characters
 * of new vocabulary its records brought. The per-address caps are read here.
 * A pure data structure; no I/O.
 * @module
 */

/** Per-address counts of files and of vocabulary brought. */
export class AddressBook {
  readonly #files = new Map<string, number>();
  readonly #vocabulary = new Map<string, number>();
  #promised = 0;

  /** Files promised to REGISTERs under way, all addresses together. */
  get promised(): number {
    return this.#promised;
  }

  /** Files from `address`, counting those promised to REGISTERs under way. */
  files(address: string): number {
    return this.#files.get(address) ?? 0;
  }

  /** Characters of new vocabulary the records from `address` brought. */
  vocabulary(address: string): number {
    return this.#vocabulary.get(address) ?? 0;
  }

  /** Counts `n` more (or fewer) files for `address`. */
  count(address: string, n: number): void {
    const now = this.files(address) + n;
    if (now === 0) {
      // Nothing of this address is left: neither is the vocabulary only it brought.
      this.#files.delete(address);
      this.#vocabulary.delete(address);
    } else this.#files.set(address, now);
  }

  /** Counts `n` files (negative: gives them back) as promised to a REGISTER from `address`. */
  promise(address: string, n: number): void {
    if (n === 0) return;
    this.#promised += n;
    this.count(address, n);
  }

  /** Records `chars` more characters of new vocabulary brought by `address`. */
  brought(address: string, chars: number): void {
    if (chars > 0) this.#vocabulary.set(address, this.vocabulary(address) + chars);
  }
}
