/**
 * The index's file records under dense ids: per-file typed arrays (holder,
 * time, flags), maps by content hash and by folded base name, and the token
 * index over names and keywords. Ids are reused, but only after every posting
 * list a removed file was in has been compacted. A pure data structure; no I/O.
 * @module
 */
import type { FileRecord } from "../shared/protocol.ts";
import { addId, idCount, type IdMap, idsOf, removeId } from "./id_map.ts";
import { baseName, fold, nameKey, recordTokens } from "./record_text.ts";
import { ShardedMap } from "./sharded_map.ts";
import { type NewTokenBudget, TokenIndex } from "./token_index.ts";
import { grown } from "./typed_arrays.ts";

/** What one record may add to the vocabulary (words no other record has); see docs/protocol.md. */
export const NEW_TOKEN_BUDGET: NewTokenBudget = { tokens: 32, chars: 256 };

/**
 * Characters of new vocabulary the records of one address may add together
 * (about 30,000 words), and the vocabulary may hold in all: the gram index
 * behind substring search costs some hundred bytes per character, and real
 * shares reuse words (1,000,000 realistic file names need about 400,000).
 */
export const ADDRESS_VOCABULARY_CHARS = 256 * 1024;
export const TOTAL_VOCABULARY_CHARS = 4 * 1024 * 1024;

/** File records by id, and the maps and token index over them. */
export class FileRecords {
  readonly tokens = new TokenIndex();
  #records: (FileRecord | undefined)[] = [];
  #peerOf = new Int32Array(1024);
  #sharedAt = new Float64Array(1024);
  /** 1 when another file id has the same content hash (its results are grouped). */
  #hasTwin = new Uint8Array(1024);
  /** 1 while a removed file id is still in postings. */
  #dead = new Uint8Array(1024);
  readonly #free: number[] = [];
  readonly #bySha: IdMap<string> = new ShardedMap();
  readonly #byName: IdMap<number> = new ShardedMap();
  #count = 0;

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

  /** Ids of every file with this content hash. */
  idsOfContent(sha256: string): readonly number[] {
    return idsOf(this.#bySha.get(sha256));
  }

  /** Ids of the files held, in increasing order. */
  *ids(): Generator<number> {
    for (let id = 0; id < this.#records.length; id++) if (this.#records[id]) yield id;
  }

  /** Ids of the files whose folded base name is `exact` (folded). */
  *withBaseName(exact: string): Generator<number> {
    for (const id of idsOf(this.#byName.get(nameKey(exact)))) {
      const r = this.#records[id];
      if (r && fold(baseName(r.name)) === exact) yield id;
    }
  }

  /**
   * Adds a record held by `peerId`, whose words new to the index may take at
   * most `vocabularyChars` characters; returns its id and the characters of
   * new vocabulary it added.
   */
  add(
    peerId: number,
    r: FileRecord,
    sharedAt: number,
    vocabularyChars: number,
  ): { id: number; newChars: number } {
    const id = this.#newId();
    this.#records[id] = r;
    this.#peerOf[id] = peerId;
    this.#sharedAt[id] = sharedAt;
    addId(this.#bySha, r.sha256, id);
    const twins = this.#bySha.get(r.sha256)!;
    this.#hasTwin[id] = typeof twins === "number" ? 0 : 1;
    if (idCount(twins) === 2) { for (const other of idsOf(twins)) this.#hasTwin[other] = 1; }
    addId(this.#byName, nameKey(fold(baseName(r.name))), id);
    const newChars = this.tokens.add(id, recordTokens(r), {
      tokens: NEW_TOKEN_BUDGET.tokens,
      chars: Math.max(0, Math.min(NEW_TOKEN_BUDGET.chars, vocabularyChars)),
    });
    this.#count++;
    return { id, newChars };
  }

  /**
   * First step of removing file `id`: it leaves the maps and searches at once
   * (its tokens join `affected`). Returns its record, or undefined when it
   * was gone already. Then `compact` each affected token and `release` the id.
   */
  detach(id: number, affected: Set<number>): FileRecord | undefined {
    const r = this.#records[id];
    if (!r || this.#dead[id] === 1) return undefined;
    removeId(this.#bySha, r.sha256, id);
    const twins = this.#bySha.get(r.sha256);
    if (typeof twins === "number") this.#hasTwin[twins] = 0;
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
      this.#dead = grown(this.#dead, id * 2);
    }
    return id;
  }
}
