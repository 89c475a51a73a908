/**
 * Growing the typed arrays the index keeps per file and per token.
 * @module
 */

/** Typed arrays the index grows. */
export type GrowableArray = Int32Array | Uint32Array | Uint8Array | Float64Array;

/** A copy of `array` with room for `size` elements (the new ones zero). */
export function grown<T extends GrowableArray>(array: T, size: number): T {
  const copy = new (array.constructor as new (length: number) => T)(size);
  copy.set(array);
  return copy;
}
