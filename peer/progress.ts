/**
 * Download progress on stderr: a live line on a terminal, a plain line every
 * few seconds otherwise, nothing when quiet.
 * @module
 */
import { humanBytes } from "../shared/text.ts";

/** Progress reporter for one download. */
export interface Progress {
  update(received: number, sources: number): void;
  done(): void;
}

const encoder = new TextEncoder();

/** Creates a reporter for a download of `total` bytes named `name`. */
export function createProgress(
  name: string,
  total: number,
  mode: "auto" | "quiet" = "auto",
): Progress {
  if (mode === "quiet") return { update() {}, done() {} };
  const live = Deno.stderr.isTerminal();
  const started = performance.now();
  let last = 0;
  let shown = -1;
  const line = (received: number, sources: number) => {
    const secs = Math.max((performance.now() - started) / 1000, 0.001);
    const speed = received / secs;
    const pct = total === 0 ? 100 : (received / total) * 100;
    const eta = speed > 0 ? Math.ceil((total - received) / speed) : 0;
    return `${name}: ${humanBytes(received)} / ${humanBytes(total)} ${pct.toFixed(0)}% ` +
      `${humanBytes(speed)}/s ETA ${eta}s, ${sources} source${sources === 1 ? "" : "s"}`;
  };
  return {
    update(received, sources) {
      const now = performance.now();
      if (now - last < (live ? 100 : 2000) && received < total) return;
      last = now;
      shown = received;
      const text = line(received, sources);
      if (live) Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${text}`));
      else console.error(text);
    },
    done() {
      if (live && shown >= 0) Deno.stderr.writeSync(encoder.encode("\n"));
    },
  };
}
