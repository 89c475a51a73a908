/**
 * Download progress on stderr: a live bar on a terminal (bytes, percent,
 * speed, ETA, sources in use), a plain line every few seconds otherwise,
 * nothing when quiet.
 * @module
 */
import { humanBytes } from "../shared/text.ts";

/** Progress reporter for one download. */
export interface Progress {
  update(received: number, sources: number): void;
  done(): void;
}

const encoder = new TextEncoder();
const BAR = 24;

/** Creates a reporter for a download of `total` bytes named `name`. */
export function createProgress(
  name: string,
  total: number,
  mode: "auto" | "quiet" = "auto",
): Progress {
  if (mode === "quiet") return { update() {}, done() {} };
  const live = Deno.stderr.isTerminal();
  const started = performance.now();
  let first: number | null = null; // bytes already there (resumed) do not count for speed
  let last = 0;
  let shown = false;
  let latest = "";
  const render = (received: number, sources: number) => {
    first ??= received;
    const secs = Math.max((performance.now() - started) / 1000, 0.001);
    const speed = (received - first) / secs;
    const frac = total === 0 ? 1 : received / total;
    const eta = speed > 0 ? Math.ceil((total - received) / speed) : NaN;
    const filled = Math.round(frac * BAR);
    const bar = live ? `[${"#".repeat(filled)}${"-".repeat(BAR - filled)}] ` : "";
    return `${name} ${bar}${(frac * 100).toFixed(0)}% ${humanBytes(received)}/${
      humanBytes(total)
    } ` +
      `${humanBytes(speed)}/s ETA ${Number.isNaN(eta) ? "?" : `${eta}s`} ${sources} source${
        sources === 1 ? "" : "s"
      }`;
  };
  return {
    update(received, sources) {
      latest = render(received, sources);
      const now = performance.now();
      if (now - last < (live ? 100 : 2000) && received < total) return;
      last = now;
      shown = true;
      if (live) Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${latest}`));
      else console.error(latest);
    },
    done() {
      if (live && shown) Deno.stderr.writeSync(encoder.encode("\n"));
    },
  };
}
