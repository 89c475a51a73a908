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
  return i === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
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
