/**
 * A Map cut into many smaller ones by a hash of the key. A JavaScript Map
 * rehashes all its entries at once when it grows (about 50 ms at a million
 * entries, measured); the index's big maps (grams, tokens, hashes, names) are
 * sharded so that no single insertion holds the event loop that long.
 * Iteration order is by shard, not by insertion. A pure data structure; no I/O.
 * @module
 */

/** Shards per map: at ten million entries, each rehash moves about 2,500. */
const SHARDS = 4096;

/** A Map from string or number keys, sharded. */
export class ShardedMap<K extends string | number, V> {
  readonly #shards: Map<K, V>[] = Array.from({ length: SHARDS }, () => new Map());
  #size = 0;

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  get(key: K): V | undefined {
    return this.#shard(key).get(key);
  }

  has(key: K): boolean {
    return this.#shard(key).has(key);
  }

  set(key: K, value: V): this {
    const shard = this.#shard(key);
    const before = shard.size;
    shard.set(key, value);
    this.#size += shard.size - before;
    return this;
  }

  delete(key: K): boolean {
    const gone = this.#shard(key).delete(key);
    if (gone) this.#size--;
    return gone;
  }

  /** Every entry, shard by shard. */
  *entries(): Generator<[K, V]> {
    for (const shard of this.#shards) yield* shard;
  }

  #shard(key: K): Map<K, V> {
    return this.#shards[(typeof key === "number" ? key : hash(key)) & (SHARDS - 1)];
  }
}

/** FNV-1a over the first and the last four characters and the length: cheap and spread out. */
function hash(s: string): number {
  let h = 0x811c9dc5 ^ s.length;
  const n = s.length;
  for (let i = 0; i < n && i < 4; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  for (let i = Math.max(4, n - 4); i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h ^ (h >>> 15)) >>> 0;
}
