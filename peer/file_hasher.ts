/**
 * Hashes a file in one pass: the whole-file SHA-256 and the SHA-256 of each
 * chunk (a file of one chunk is hashed once: its chunk hash is its hash).
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { chunkSizeFor } from "../shared/chunks.ts";

/** Hashes of one file. */
export interface FileHashes {
  sha256: string;
  chunkSize: number;
  chunkHashes: string[];
}

const READ_BYTES = 1024 * 1024;

/** Read buffers kept for reuse: allocating 1 MiB per small file would cost more than hashing it. */
const spare: Uint8Array[] = [];

/** Files up to this size are read with blocking calls: for small files the async hops cost more than the hashing. */
const SYNC_BELOW = 4 * 1024 * 1024;

/** The whole-file and per-chunk hashes of bytes fed in order, in reads of any size. */
class ChunkHasher {
  readonly #chunkSize: number;
  readonly #whole = createHash("sha256");
  /** Null for a file of one chunk: its chunk hash is the whole-file hash. */
  #chunk: Hash | null;
  #inChunk = 0;
  readonly #hashes: string[] = [];

  constructor(size: number) {
    this.#chunkSize = chunkSizeFor(size);
    this.#chunk = size <= this.#chunkSize ? null : createHash("sha256");
  }

  update(bytes: Uint8Array): void {
    this.#whole.update(bytes);
    if (!this.#chunk) return;
    for (let off = 0; off < bytes.length;) {
      const take = Math.min(bytes.length - off, this.#chunkSize - this.#inChunk);
      this.#chunk.update(bytes.subarray(off, off + take));
      off += take;
      this.#inChunk += take;
      if (this.#inChunk === this.#chunkSize) {
        this.#hashes.push(this.#chunk.digest("hex"));
        this.#chunk = createHash("sha256");
        this.#inChunk = 0;
      }
    }
  }

  digest(): FileHashes {
    const sha256 = this.#whole.digest("hex");
    if (!this.#chunk) return { sha256, chunkSize: this.#chunkSize, chunkHashes: [sha256] };
    if (this.#inChunk > 0) this.#hashes.push(this.#chunk.digest("hex"));
    return { sha256, chunkSize: this.#chunkSize, chunkHashes: this.#hashes };
  }
}

/**
 * Reads `path` once and returns its whole-file and per-chunk SHA-256.
 *
 * @example
 * ```ts
 * const { sha256, chunkHashes } = await hashFileChunks("testing_files/welcome.txt");
 * ```
 */
export async function hashFileChunks(path: string, sizeHint?: number): Promise<FileHashes> {
  const buf = spare.pop() ?? new Uint8Array(READ_BYTES);
  try {
    if (sizeHint !== undefined && sizeHint < SYNC_BELOW) {
      using file = Deno.openSync(path);
      const hasher = new ChunkHasher(file.statSync().size);
      for (let n = file.readSync(buf); n !== null; n = file.readSync(buf)) {
        hasher.update(buf.subarray(0, n));
      }
      return hasher.digest();
    }
    using file = await Deno.open(path);
    const hasher = new ChunkHasher((await file.stat()).size);
    for (let n = await file.read(buf); n !== null; n = await file.read(buf)) {
      hasher.update(buf.subarray(0, n));
    }
    return hasher.digest();
  } finally {
    if (spare.length < 4) spare.push(buf);
  }
}
