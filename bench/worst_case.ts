/**
 * The most expensive records a peer may register: a name and a description
 * of the longest length allowed, made of words no one else uses (random
 * letters from a large alphabet, so every gram is new too), sized so that
 * each record fills the index's per-record bounds (server/record_text.ts,
 * NEW_TOKEN_BUDGET). Deterministic for a seed.
 * @module
 */
import { chunkSizeFor } from "../shared/chunks.ts";
import { MAX_NAME_CHARS } from "../shared/file_names.ts";
import type { FileRecord } from "../shared/protocol.ts";
import { rng } from "./synthetic.ts";

/** Longest description the server accepts by default (server/requests.ts DEFAULT_LIMITS). */
const DESCRIPTION_CHARS = 1_000;

/** `count` worst-case records; their names start with `prefix`. */
export function worstCaseRecords(count: number, seed = 1, prefix = "w"): FileRecord[] {
  const random = rng(seed);
  // 8-letter words: 32 of them fill the new-word budget (256 characters), the most grams it allows.
  const word = () => {
    let w = "";
    for (let i = 0; i < 8; i++) w += String.fromCharCode(0x4e00 + Math.floor(random() * 20_000));
    return w;
  };
  const text = (chars: number, head: string) => {
    let s = head;
    while (s.length < chars) s += ` ${word()}`;
    return s.slice(0, chars);
  };
  return Array.from({ length: count }, (_, i) => {
    const size = 1 + Math.floor(random() * 2 ** 40);
    const sha = i.toString(16).padStart(12, "0");
    return {
      name: text(MAX_NAME_CHARS, `${prefix}${i}`),
      type: "file",
      size,
      mtime: 0,
      sha256: `${sha}${"a".repeat(52)}`,
      description: text(DESCRIPTION_CHARS, word()),
      chunkSize: chunkSizeFor(size),
      chunkRoot: `${sha}${"b".repeat(52)}`,
    };
  });
}
