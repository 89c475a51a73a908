/**
 * Hashes a file in one pass: the whole-file SHA-256 and the SHA-256 of each
 * chunk.
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

/** Reads `path` once and returns its whole-file and per-chunk SHA-256. */
export async function hashFileChunks(path: string): Promise<FileHashes> {
  using file = await Deno.open(path);
  const size = (await file.stat()).size;
  const chunkSize = chunkSizeFor(size);
  const whole = createHash("sha256");
  // A file of one chunk has one hash: the chunk's is the whole file's.
  const single = size <= chunkSize;
  const chunkHashes: string[] = [];
  let chunk = createHash("sha256");
  let inChunk = 0;
  const buf = new Uint8Array(READ_BYTES);
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    const bytes = buf.subarray(0, n);
    whole.update(bytes);
    if (single) continue;
    let off = 0;
    while (off < n) {
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
  const sha256 = whole.digest("hex");
  if (single) return { sha256, chunkSize, chunkHashes: [sha256] };
  if (inChunk > 0) chunkHashes.push(chunk.digest("hex"));
  return { sha256, chunkSize, chunkHashes };
}
