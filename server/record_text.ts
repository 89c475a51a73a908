/**
 * What of a file record the index searches, and how text is compared: folded
 * (case and diacritics ignored) and bounded, so that one record costs the
 * index a known amount whatever a peer sends. Pure functions; no I/O.
 * @module
 */
import type { FileRecord } from "../shared/protocol.ts";

/** Characters of a record's folded name, and of its folded description, that are indexed. */
export const MAX_INDEXED_CHARS = 1024;
/** Distinct words indexed per record (the name's first, then the description's). */
export const MAX_TOKENS_PER_RECORD = 64;
/** Characters of a word that are indexed: a longer word is found by its first 32. */
export const MAX_TOKEN_CHARS = 32;

// deno-lint-ignore no-control-regex
const ASCII = /^[\u0000-\u007f]*$/;
const MARKS = /\p{M}/gu;

/**
 * Text folded for matching: compatibility decomposition (NFKD), lower case,
 * combining marks dropped, so `Café`, `CAFE` and `café` all read `cafe`.
 *
 * @example
 * ```ts
 * fold("Crème Brûlée.PDF"); // "creme brulee.pdf"
 * ```
 */
export function fold(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  return text.normalize("NFKD").toLowerCase().replace(MARKS, "");
}

/**
 * The searchable text of a record: its folded name and description, each cut
 * to MAX_INDEXED_CHARS, on two lines (a query word never spans them).
 */
export function recordText(r: FileRecord): string {
  return `${fold(r.name).slice(0, MAX_INDEXED_CHARS)}\n${
    fold(r.description).slice(0, MAX_INDEXED_CHARS)
  }`;
}

/** The words a record is indexed under: at most MAX_TOKENS_PER_RECORD, each cut to MAX_TOKEN_CHARS. */
export function recordTokens(r: FileRecord): string[] {
  return indexedTokens(r).tokens;
}

/**
 * The words a record is indexed under (recordTokens), the name's first, and
 * how many of them are the name's.
 */
export function indexedTokens(r: FileRecord): { tokens: string[]; fromName: number } {
  const out = new Set<string>();
  let fromName = 0;
  for (const text of [r.name, r.description]) {
    for (const t of tokenize(fold(text).slice(0, MAX_INDEXED_CHARS))) {
      if (out.size === MAX_TOKENS_PER_RECORD) break;
      out.add(t.length > MAX_TOKEN_CHARS ? t.slice(0, MAX_TOKEN_CHARS) : t);
    }
    if (text === r.name) fromName = out.size;
  }
  return { tokens: [...out], fromName };
}

/**
 * What folding `text` costs, in ASCII characters' worth (see work_budget.ts):
 * ASCII text only changes case; other text is decomposed and stripped of
 * marks, which costs about ten times as much per character in and out.
 */
export function foldCost(text: string, folded: string): number {
  return ASCII.test(text) ? text.length : 10 * (text.length + folded.length);
}

/**
 * Whether every (folded) word is a substring of the record's searchable text.
 * The folding is charged to `budget` (foldCost).
 */
export function matchesText(
  r: FileRecord,
  words: readonly string[],
  budget?: { foldedChars: number },
): boolean {
  const name = fold(r.name);
  const description = fold(r.description);
  if (budget) budget.foldedChars -= foldCost(r.name, name) + foldCost(r.description, description);
  const text = `${name.slice(0, MAX_INDEXED_CHARS)}\n${description.slice(0, MAX_INDEXED_CHARS)}`;
  return words.every((w) => text.includes(w));
}

/** Splits text into lower-case runs of letters and digits (deduplicated, in order). */
export function tokenize(text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  let start = -1;
  let ascii = true;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 32;
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (word || (c > 127 && (ascii = false, true))) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) out.push(lower.slice(start, i));
    start = -1;
  }
  const tokens = ascii
    ? out
    : out.flatMap((t) => t.split(/[^\p{L}\p{N}]+/u)).filter((t) => t !== "");
  return tokens.length > 1 ? [...new Set(tokens)] : tokens;
}

/** The last segment of a `/`-separated name. */
export function baseName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

/** 32-bit FNV-1a of a folded base name: the exact-name lookup key. */
export function nameKey(foldedBase: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < foldedBase.length; i++) h = Math.imul(h ^ foldedBase.charCodeAt(i), 16777619);
  return h >>> 0;
}
