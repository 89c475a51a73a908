/**
 * Hashes a file in one pass: the whole-file SHA-256 and the SHA-256 of each
 * chunk (a file of one chunk is hashed once: its chunk hash is its hash).
 * @module
 */
import { createHash } from "node:crypto";
import { chunkSizeFor } from "../shared/chunks.ts";

/** Hashes of one file. */
export interface FileHashes {
  sha256: string;
  chunkSize: number;
  chunkHashes: string[];
}

const READ_BYTES = 1024 * 1024; // divides every chunk size

/** Read buffers kept for reuse: allocating 1 MiB per small file would cost more than hashing it. */
const spare: Uint8Array[] = [];

/** Files up to this size are read with blocking calls: for small files the async hops cost more than the hashing. */
const SYNC_BELOW = 4 * 1024 * 1024;

/** Reads `path` once and returns its whole-file and per-chunk SHA-256. */
export async function hashFileChunks(path: string, sizeHint?: number): Promise<FileHashes> {
  if (sizeHint !== undefined && sizeHint < SYNC_BELOW) return hashSmallFile(path);
  using file = await Deno.open(path);
  const size = (await file.stat()).size;
  const chunkSize = chunkSizeFor(size);
  const buf = spare.pop() ?? new Uint8Array(READ_BYTES);
  try {
    const whole = createHash("sha256");
    if (size <= chunkSize) {
      for (let n = await file.read(buf); n !== null; n = await file.read(buf)) {
        whole.update(buf.subarray(0, n));
      }
      const sha256 = whole.digest("hex");
      return { sha256, chunkSize, chunkHashes: [sha256] };
    }
    const chunkHashes: string[] = [];
    let chunk = createHash("sha256");
    let inChunk = 0;
    for (let n = await file.read(buf); n !== null; n = await file.read(buf)) {
      const bytes = buf.subarray(0, n);
      whole.update(bytes);
      for (let off = 0; off < n;) {
        const take = Math.min(n - off, chunkSize - inChunk);
        chunk.update(bytes.subarray(off, off + take));
        off += take;
        inChunk += take;
        if (inChunk === chunkSize) {
          chunkHashes.push(chunk.digest("hex"));
          chunk = createHash("sha256");
          inChunk = 0;
        }
      }
    }
    if (inChunk > 0) chunkHashes.push(chunk.digest("hex"));
    return { sha256: whole.digest("hex"), chunkSize, chunkHashes };
  } finally {
    if (spare.length < 4) spare.push(buf);
  }
}

/** The blocking variant for small files (one chunk or a few). */
function hashSmallFile(path: string): FileHashes {
  using file = Deno.openSync(path);
  const size = file.statSync().size;
  const chunkSize = chunkSizeFor(size);
  const buf = spare.pop() ?? new Uint8Array(READ_BYTES);
  try {
    const whole = createHash("sha256");
    const chunkHashes: string[] = [];
    let chunk = size <= chunkSize ? null : createHash("sha256");
    let inChunk = 0;
    for (let n = file.readSync(buf); n !== null; n = file.readSync(buf)) {
      const bytes = buf.subarray(0, n);
      whole.update(bytes);
      if (!chunk) continue;
      // READ_BYTES divides the chunk size, so a read never spans two chunks.
      chunk.update(bytes);
      inChunk += n;
      if (inChunk === chunkSize) {
        chunkHashes.push(chunk.digest("hex"));
        chunk = createHash("sha256");
        inChunk = 0;
      }
    }
    const sha256 = whole.digest("hex");
    if (!chunk) return { sha256, chunkSize, chunkHashes: [sha256] };
    if (inChunk > 0) chunkHashes.push(chunk.digest("hex"));
    return { sha256, chunkSize, chunkHashes };
  } finally {
    if (spare.length < 4) spare.push(buf);
  }
}
