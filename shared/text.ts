/**
 * Small pure text helpers for what people read: sizes and counts.
 * @module
 */

/** 1536 → "1.5 KiB". */
export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}

/** "1 peer", "2 peers". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** An error's message without the OS's "(os error N)" and trailing "op 'path'" details. */
export function osErrorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\(os error \d+\)/, "").replace(/: \w+ '.*'$/, "");
}

const UNSAFE_FOR_TERMINAL =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from the network made safe to print: control characters (C0, DEL, C1),
 * bidi overrides and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
 * U+061C) and line separators (U+2028, U+2029) are shown as `\xHH` or
 * `\uHHHH` instead of acting on the terminal (an ESC could retitle the window
 * or clear the screen; a CR could overwrite a line; a bidi override could make
 * `exe.txt` read `txt.exe`). A line break becomes visible too, so one field
 * stays on one line. Every printer of a peer's or the server's text uses it.
 * @example
 * terminalSafe("a\x1b[2Jb"); // "a\\x1b[2Jb"
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
