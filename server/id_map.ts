/**
 * Maps from a key to file ids that hold one id without a collection (most
 * content hashes and names belong to one file), a few in an array, and many in
 * a Set (in insertion order either way), so that adding and removing stay
 * cheap however many files share a key. Pure functions; no I/O.
 * @module
 */
/** A map value that is one id or several. */
export type Ids = number | number[] | Set<number>;

/** Ids kept in an array at most; more go in a Set. */
const ARRAY_MAX = 32;

/** A map from keys to file ids (a Map or a ShardedMap). */
export interface IdMap<K extends string | number> {
  get(key: K): Ids | undefined;
  set(key: K, value: Ids): unknown;
  delete(key: K): boolean;
}

/** The ids under one value, in the order they were added (empty for none). */
export function idsOf(v: Ids | undefined): readonly number[] {
  return v === undefined ? [] : typeof v === "number" ? [v] : Array.isArray(v) ? v : [...v];
}

/** The ids under one value, without copying them. */
export function eachId(v: Ids | undefined): Iterable<number> {
  return v === undefined ? [] : typeof v === "number" ? [v] : v;
}

/** The first id of one value (undefined for none). */
export function firstId(v: Ids | undefined): number | undefined {
  if (v === undefined || typeof v === "number") return v;
  return Array.isArray(v) ? v[0] : v.values().next().value;
}

/** How many ids one value holds. */
export function idCount(v: Ids | undefined): number {
  return v === undefined ? 0 : typeof v === "number" ? 1 : Array.isArray(v) ? v.length : v.size;
}

/** Adds `id` under `key`. */
export function addId<K extends string | number>(map: IdMap<K>, key: K, id: number): void {
  const v = map.get(key);
  if (v === undefined) map.set(key, id);
  else if (typeof v === "number") map.set(key, [v, id]);
  else if (!Array.isArray(v)) v.add(id);
  else if (v.length < ARRAY_MAX) v.push(id);
  else map.set(key, new Set([...v, id]));
}

/** Removes `id` from under `key` (nothing when it is not there). */
export function removeId<K extends string | number>(map: IdMap<K>, key: K, id: number): void {
  const v = map.get(key);
  if (v === undefined) return;
  if (typeof v === "number") {
    if (v === id) map.delete(key);
    return;
  }
  if (Array.isArray(v)) {
    const at = v.indexOf(id);
    if (at >= 0) v.splice(at, 1);
  } else v.delete(id);
  const left = idCount(v);
  if (left === 1) map.set(key, idsOf(v)[0]);
  else if (left === 0) map.delete(key);
}
