/**
 * Synthetic file records for index benchmarks: names and keywords drawn from a
 * Zipf-like vocabulary, with common extensions. Deterministic for a seed.
 * @module
 */
import { chunkSizeFor } from "../shared/chunks.ts";
import type { FileRecord } from "../shared/protocol.ts";

const EXTENSIONS = [
  "mp3",
  "pdf",
  "jpg",
  "png",
  "txt",
  "mp4",
  "zip",
  "docx",
  "flac",
  "mkv",
  "csv",
  "iso",
];
const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ren",
  "to",
  "sa",
  "vel",
  "nor",
  "qui",
  "dan",
  "por",
  "el",
  "zu",
  "ham",
  "bri",
  "ost",
];

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A vocabulary of `n` distinct made-up words, most frequent first. */
export function vocabulary(n: number, random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < n) {
    const parts = 2 + Math.floor(random() * 3);
    let w = "";
    for (let i = 0; i < parts; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** Draws word indexes with probability ∝ 1/(rank+1) (Zipf, s = 1). */
export function zipfSampler(n: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / (i + 1);
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Generates `count` records: 2–4 name words, an extension, 0–3 keywords. */
export function syntheticRecords(
  count: number,
  seed = 1,
  vocabularySize = 50_000,
): { records: FileRecord[]; words: string[] } {
  const random = rng(seed);
  const words = vocabulary(vocabularySize, random);
  const pick = zipfSampler(words.length, random);
  const records: FileRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = 2 + Math.floor(random() * 3);
    const nameWords: string[] = [];
    for (let j = 0; j < n; j++) nameWords.push(words[pick()]);
    const ext = EXTENSIONS[Math.floor(random() * EXTENSIONS.length)];
    const k = Math.floor(random() * 4);
    const keywords: string[] = [];
    for (let j = 0; j < k; j++) keywords.push(words[pick()]);
    const sha = i.toString(16).padStart(16, "0") + "0".repeat(48);
    const size = 1000 + Math.floor(random() * 10_000_000);
    records[i] = {
      name: `${nameWords.join("_")}${i % 3 === 0 ? `_${i % 100}` : ""}.${ext}`,
      type: ext,
      size,
      mtime: 1_700_000_000_000 + i,
      sha256: sha,
      description: keywords.join(" "),
      chunkSize: chunkSizeFor(size),
      chunkRoot: "c".repeat(48) + i.toString(16).padStart(16, "0"),
    };
  }
  // Through JSON, as the server receives them (flat strings, same layout).
  return { records: JSON.parse(JSON.stringify(records)), words };
}
