/**
 * The index's file records under dense ids: per-file typed arrays (holder,
 * time, flags), maps by content hash and by folded base name, and the token
 * index over names and keywords. Ids are reused, but only after every posting
 * list a removed file was in has been compacted. A pure data structure; no I/O.
 * @module
 */
import type { FileRecord } from "../shared/protocol.ts";
import { ContentIndex, type Variant } from "./content_index.ts";
import { addId, eachId, type IdMap, removeId } from "./id_map.ts";
import { baseName, fold, foldCost, indexedTokens, nameKey } from "./record_text.ts";
import { ShardedMap } from "./sharded_map.ts";
import { TokenIndex } from "./token_index.ts";
import { grown } from "./typed_arrays.ts";
import { Vocabulary, type VocabularyLimits } from "./vocabulary.ts";

/** File records by id, and the maps and token index over them. */
export class FileRecords {
  /** Who brought the words of the vocabulary (given back as they leave it). */
  readonly vocabulary: Vocabulary;
  readonly tokens: TokenIndex;
  #records: (FileRecord | undefined)[] = [];
  #peerOf = new Int32Array(1024);
  #sharedAt = new Float64Array(1024);
  /** 1 when another file id has the same content hash (its results are grouped). */
  #hasTwin = new Uint8Array(1024);
  /** For files with a twin: the id of their variant (content_index.ts). */
  #variant = new Int32Array(1024);
  /** 1 while a removed file id is still in postings. */
  #dead = new Uint8Array(1024);
  readonly #free: number[] = [];
  readonly #content: ContentIndex;
  readonly #byName: IdMap<number> = new ShardedMap();
  #count = 0;

  /** `unproven` tells the peers whose file server did not prove it answers (content_index.ts). */
  constructor(
    vocabulary: Partial<VocabularyLimits> = {},
    unproven: (peer: number) => boolean = () => false,
  ) {
    this.#content = new ContentIndex(
      (id) => this.#records[id]!,
      (id) => this.#peerOf[id],
      unproven,
    );
    const words = this.vocabulary = new Vocabulary(vocabulary);
    this.tokens = new TokenIndex((charge, chars) => words.released(charge, chars));
  }

  /** Records held. */
  get count(): number {
    return this.#count;
  }

  /** Every file id is below this. */
  get idLimit(): number {
    return this.#records.length;
  }

  /** The record of file `id`, unless removed. */
  record(id: number): FileRecord | undefined {
    return this.#records[id];
  }

  /** The peer holding file `id`. */
  peerOf(id: number): number {
    return this.#peerOf[id];
  }

  /** When file `id` was shared, in ms since the epoch. */
  sharedAt(id: number): number {
    return this.#sharedAt[id];
  }

  /** Whether another file has the same content hash as file `id`. */
  hasTwin(id: number): boolean {
    return this.#hasTwin[id] !== 0;
  }

  /** The id of file `id`'s variant, while it has a twin: files of one variant share it. */
  variantId(id: number): number {
    return this.#variant[id];
  }

  /** The variant of record `r` while other files share its content hash (see content_index.ts). */
  variantOf(r: FileRecord): Variant | undefined {
    return this.#content.variantOf(r);
  }

  /** Every variant of a content hash, in the order first registered. */
  variants(sha256: string): Variant[] {
    return this.#content.variants(sha256);
  }

  /**
   * The first content hash of which `records` would give peer `peerId` more
   * than `max` variants, or null.
   */
  variantsPast(peerId: number, records: readonly FileRecord[], max: number): string | null {
    const fresh = new Map<string, Set<string>>();
    for (const r of records) {
      if (this.#content.holds(r, peerId)) continue;
      let keys = fresh.get(r.sha256);
      if (!keys) fresh.set(r.sha256, keys = new Set());
      keys.add(`${r.size}:${r.chunkRoot}`);
      if (this.#content.variantsHeld(r.sha256, peerId) + keys.size > max) return r.sha256;
    }
    return null;
  }

  /** Ids of the files held, in increasing order. */
  *ids(): Generator<number> {
    for (let id = 0; id < this.#records.length; id++) if (this.#records[id]) yield id;
  }

  /**
   * Ids of the files whose folded base name is `exact` (folded). Each file
   * looked at, and the characters folded, are charged to `budget`; it stops
   * when that runs out.
   */
  *withBaseName(
    exact: string,
    budget: { candidates: number; foldedChars: number },
  ): Generator<number> {
    for (const id of eachId(this.#byName.get(nameKey(exact)))) {
      const r = this.#records[id];
      if (!r) continue;
      const base = baseName(r.name);
      const folded = fold(base);
      budget.foldedChars -= foldCost(base, folded);
      if (--budget.candidates < 0 || budget.foldedChars < 0) return;
      if (folded === exact) yield id;
    }
  }

  /**
   * Adds a record held by `peerId`, connected from `address`, which may have
   * `perAddress` characters of vocabulary charged to its general allowance
   * (vocabulary.ts); returns its id.
   */
  add(
    peerId: number,
    r: FileRecord,
    sharedAt: number,
    address: string,
    perAddress: number,
  ): number {
    const id = this.#newId();
    this.#records[id] = r;
    this.#peerOf[id] = peerId;
    this.#sharedAt[id] = sharedAt;
    const { variant, lone, loneVariant } = this.#content.add(id, r, peerId);
    this.#hasTwin[id] = variant ? 1 : 0;
    if (variant) this.#variant[id] = variant.id;
    if (lone !== undefined) {
      this.#hasTwin[lone] = 1;
      this.#variant[lone] = loneVariant!.id;
    }
    addId(this.#byName, nameKey(fold(baseName(r.name))), id);
    const { tokens, fromName } = indexedTokens(r);
    this.tokens.add(id, tokens, this.vocabulary.admit(address, fromName, perAddress));
    this.#count++;
    return id;
  }

  /**
   * First step of removing file `id`: it leaves the maps and searches at once
   * (its tokens join `affected`). Returns its record, or undefined when it
   * was gone already. Then `compact` each affected token and `release` the id.
   */
  detach(id: number, affected: Set<number>): FileRecord | undefined {
    const r = this.#records[id];
    if (!r || this.#dead[id] === 1) return undefined;
    this.#content.remove(id, r, this.#peerOf[id]);
    const lone = this.#content.lone(r.sha256);
    if (lone !== undefined) this.#hasTwin[lone] = 0;
    removeId(this.#byName, nameKey(fold(baseName(r.name))), id);
    this.tokens.detach(id, affected);
    this.#records[id] = undefined;
    this.#dead[id] = 1;
    this.#count--;
    return r;
  }

  /** Filters detached files out of one token's postings. */
  compact(token: number): void {
    this.tokens.compact(token, this.#dead);
  }

  /** Makes detached ids (whose tokens are all compacted) free for reuse. */
  release(ids: readonly number[]): void {
    for (const id of ids) {
      this.#dead[id] = 0;
      this.#free.push(id);
    }
  }

  #newId(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    const id = this.#records.length;
    this.#records.push(undefined);
    if (id >= this.#peerOf.length) {
      this.#peerOf = grown(this.#peerOf, id * 2);
      this.#sharedAt = grown(this.#sharedAt, id * 2);
      this.#hasTwin = grown(this.#hasTwin, id * 2);
      this.#variant = grown(this.#variant, id * 2);
      this.#dead = grown(this.#dead, id * 2);
    }
    return id;
  }
}
