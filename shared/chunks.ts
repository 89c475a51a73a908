/**
 * Chunk geometry and the chunk root. A file is cut into chunks of a power-of-two
 * size: 1 MiB, or larger when the file has more than 8,192 chunks of that size.
 * The chunk root, SHA-256 over the concatenated 32-byte chunk hashes, is
 * registered with the index, so a chunk list from any holder can be checked
 * before it is trusted. Pure functions; no I/O.
 * @module
 */
import { createHash } from "node:crypto";

/** Smallest chunk size (1 MiB). */
export const MIN_CHUNK_SIZE = 1024 * 1024;

/** Most chunks a file has; larger files get larger chunks. */
export const MAX_CHUNKS = 8192;

/** The chunk size for a file of `size` bytes. */
export function chunkSizeFor(size: number): number {
  let chunk = MIN_CHUNK_SIZE;
  while (Math.ceil(size / chunk) > MAX_CHUNKS) chunk *= 2;
  return chunk;
}

/** Number of chunks of a file (at least 1, even for an empty file). */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize));
}

/** Byte range of chunk `index`. */
export function chunkRange(
  index: number,
  size: number,
  chunkSize: number,
): { offset: number; length: number } {
  const offset = index * chunkSize;
  return { offset, length: Math.max(0, Math.min(chunkSize, size - offset)) };
}

/** SHA-256 over the concatenated binary chunk hashes, as hex. */
export function chunkRoot(hashes: readonly string[]): string {
  const h = createHash("sha256");
  for (const hex of hashes) h.update(Uint8Array.fromHex(hex));
  return h.digest("hex");
}

/** Whether a chunk list is consistent with a file's size, chunk size and root. */
export function chunkListMatches(
  list: { size: number; chunkSize: number; hashes: readonly string[] },
  expected: { size: number; chunkSize: number; chunkRoot: string },
): boolean {
  return list.size === expected.size &&
    list.chunkSize === expected.chunkSize &&
    list.hashes.length === chunkCount(expected.size, expected.chunkSize) &&
    chunkRoot(list.hashes) === expected.chunkRoot;
}

/**
 * The chunks of a file a holder has, as sent in CHUNK_LIST's `have`: bit `i`
 * (bit `i % 8` of byte `i >> 3`, least significant first) set for chunk `i`,
 * in base64.
 */
export function encodeChunkBitmap(bits: Uint8Array): string {
  return bits.toBase64();
}

/** Reads a chunk bitmap for `count` chunks; bad base64 gives no chunks, extra bytes are ignored. */
export function decodeChunkBitmap(text: string, count: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(count / 8));
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return out; // not base64: nothing
  // A hostile bitmap may be long: only the bytes that can mean something are decoded.
  try {
    const raw = Uint8Array.fromBase64(text.slice(0, Math.ceil(out.length / 3) * 4), {
      lastChunkHandling: "loose",
    });
    out.set(raw.subarray(0, out.length));
  } catch { /* a broken last group: nothing */ }
  // Bits past the last chunk mean nothing.
  if (count % 8 !== 0 && out.length > 0) out[out.length - 1] &= (1 << (count % 8)) - 1;
  return out;
}

/** Whether chunk `i` is set in a chunk bitmap. */
export function hasChunk(bits: Uint8Array, i: number): boolean {
  return (bits[i >> 3] & (1 << (i & 7))) !== 0;
}
