/**
 * Download progress on stderr: a live bar on a terminal (bytes, percent,
 * speed, ETA, sources in use), a plain line every few seconds otherwise,
 * nothing when quiet. The live line is ended once the bar is full, so what
 * follows starts a line of its own.
 * @module
 */
import { humanBytes, plural, terminalSafe } from "../shared/text.ts";
import * as screen from "./screen.ts";

/** Progress reporter for one download. */
export interface Progress {
  update(received: number, sources: number): void;
  /** Ends the live line (if one is drawn). */
  done(): void;
}

const BAR = 24;

/** Creates a reporter for a download of `total` bytes named `name` (from the network). */
export function createProgress(
  name: string,
  total: number,
  mode: "auto" | "quiet" = "auto",
): Progress {
  if (mode === "quiet") return { update() {}, done() {} };
  const live = Deno.stderr.isTerminal();
  const label = terminalSafe(name);
  const started = performance.now();
  let first: number | null = null; // bytes already there (resumed) do not count for speed
  let last = 0;
  let drawn = false;
  const render = (received: number, sources: number) => {
    const secs = Math.max((performance.now() - started) / 1000, 0.001);
    const speed = (received - (first ?? received)) / secs;
    const frac = total === 0 ? 1 : received / total;
    const eta = speed > 0 ? Math.ceil((total - received) / speed) : NaN;
    const filled = Math.round(frac * BAR);
    const bar = live ? `[${"#".repeat(filled)}${"-".repeat(BAR - filled)}] ` : "";
    return `${label} ${bar}${(frac * 100).toFixed(0)}% ${humanBytes(received)}/${
      humanBytes(total)
    } ${humanBytes(speed)}/s ETA ${Number.isNaN(eta) ? "?" : `${eta}s`} ${
      plural(sources, "source")
    }`;
  };
  const done = () => {
    if (drawn) screen.endLine();
    drawn = false;
  };
  return {
    update(received, sources) {
      first ??= received; // the first report is what was there before (resumed)
      const now = performance.now();
      const full = received >= total;
      if (now - last < (live ? 100 : 2000) && !full) return;
      last = now;
      const line = render(received, sources);
      if (!live) return screen.say(line, "err");
      drawn = screen.status(line, "err");
      if (full) done();
    },
    done,
  };
}
