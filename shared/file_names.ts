/**
 * The one place that decides whether a file name from the network is safe.
 * Pure functions; no I/O.
 * @module
 */

/** Longest shared name accepted, in characters. */
export const MAX_NAME_CHARS = 1024;

/**
 * Longest file name written to disk, in UTF-8 bytes: file systems allow 255
 * bytes, and `.12345678.part.json.tmp` may be added to it.
 */
const MAX_SEGMENT_BYTES = 200;

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Control characters, and bidi overrides (which make a name read other than it is).
// deno-lint-ignore no-control-regex
const UNPRINTABLE_ALL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Whether `name` is an acceptable shared name: relative, `/`-separated, with no
 * empty, `.` or `..` segment, no backslash, no control character, at most
 * MAX_NAME_CHARS long.
 */
export function isValidSharedName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_CHARS) return false;
  if (CONTROL.test(name) || name.includes("\\")) return false;
  return name.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

/**
 * Turns a name from the network into one safe file name for the downloads
 * folder: only its last segment is kept (after `/` or `\`), control characters
 * and bidi overrides are dropped, characters Windows forbids become `_`, leading dots are removed
 * (no hidden files), and the result is cut to 200 characters keeping the
 * extension. Returns `fallback` when nothing usable is left.
 */
export function safeFileName(name: string, fallback: string): string {
  const last = name.split(/[\\/]/).pop() ?? "";
  let clean = last.replace(UNPRINTABLE_ALL, "").replace(/[<>:"|?*]/g, "_").trim();
  clean = clean.replace(/^\.+/, "");
  if (clean === "" || clean === "." || clean === "..") return fallback;
  if (utf8Bytes(clean) > MAX_SEGMENT_BYTES) {
    const { stem, ext } = splitExtension(clean);
    const keptExt = utf8Bytes(ext) <= 20 ? ext : "";
    clean = cutToBytes(stem, MAX_SEGMENT_BYTES - utf8Bytes(keptExt)) + keptExt;
  }
  return clean;
}

const encoder = new TextEncoder();

function utf8Bytes(s: string): number {
  return encoder.encode(s).length;
}

/** The longest start of `s` (whole characters) that fits in `max` UTF-8 bytes. */
function cutToBytes(s: string, max: number): string {
  let bytes = 0;
  let out = "";
  for (const ch of s) {
    bytes += utf8Bytes(ch);
    if (bytes > max) break;
    out += ch;
  }
  return out;
}

/** Splits `name` into stem and extension (with its dot); a leading dot is no extension. */
export function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return { stem: name, ext: "" };
  return { stem: name.slice(0, dot), ext: name.slice(dot) };
}

/** The n-th alternative of a name: `song.mp3` → `song (1).mp3`. n = 0 gives the name itself. */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const { stem, ext } = splitExtension(name);
  return `${stem} (${n})${ext}`;
}

/** The file type recorded for a name: its lower-case extension, or "file". */
export function fileType(name: string): string {
  const base = name.split("/").pop() ?? name;
  const ext = splitExtension(base).ext.slice(1).toLowerCase();
  return ext === "" ? "file" : ext;
}
