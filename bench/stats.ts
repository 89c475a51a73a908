/**
 * Summaries for benchmark samples: median with min and max, percentiles.
 * @module
 */

/** Median, min and max of a set of samples. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

/** Summarises samples (at least one). */
export function summarize(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], samples };
}

/** The median of samples. */
export function median(xs: number[]): number {
  return summarize(xs).median;
}

/** The p-th percentile (0..100) of already sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at];
}

/** One row of the results table. */
export interface Figure {
  id: string;
  name: string;
  unit: string;
  value: Stats;
  baseline: { name: string; unit: string; value: Stats };
  /** value / baseline per run (or as defined by the figure), summarised. */
  ratio: Stats;
  target: string;
  pass: boolean;
  notes?: string;
}

/** Builds a figure from paired samples; `ratioOf` turns one pair into the ratio. */
export function figure(
  f: Omit<Figure, "value" | "baseline" | "ratio"> & {
    values: number[];
    baseline: { name: string; unit: string; values: number[] };
    ratios: number[];
  },
): Figure {
  return {
    id: f.id,
    name: f.name,
    unit: f.unit,
    value: summarize(f.values),
    baseline: { name: f.baseline.name, unit: f.baseline.unit, value: summarize(f.baseline.values) },
    ratio: summarize(f.ratios),
    target: f.target,
    pass: f.pass,
    notes: f.notes,
  };
}

/** Runs a command and waits; throws with its stderr on failure. */
export async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string } = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Seconds of a timed async call. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}
