/**
 * Figure 6: peer start-up sharing many files: the first scan (hashing
 * everything) against sha256sum over the same files, and a restart with the
 * hash cache.
 * @module
 */
import { join } from "node:path";
import { HASH_CACHE_FILE } from "../peer/hash_cache.ts";
import { scanShare } from "../peer/share_folder.ts";
import { writeRandomFile } from "./machine.ts";
import { type Figure, figure } from "./stats.ts";

/** Sizes for figure 6. */
export interface StartupSize {
  startupFiles: number;
  startupBytes: number;
  runs: number;
}

async function sha256sumAll(dir: string): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command("sh", {
    args: ["-c", `find . -type f ! -name '.*' -print0 | xargs -0 sha256sum > /dev/null`],
    cwd: dir,
  }).output();
  if (!out.success) throw new Error("sha256sum failed");
  return (performance.now() - t0) / 1000;
}

/** Runs figure 6 (two rows: first hash, restart). */
export async function startup(size: StartupSize, work: string): Promise<Figure[]> {
  const dir = join(work, "startup");
  const per = Math.floor(size.startupBytes / size.startupFiles);
  for (let i = 0; i < size.startupFiles; i++) {
    const sub = join(dir, `d${i % 100}`);
    if (i < 100) await Deno.mkdir(sub, { recursive: true });
    // Sizes from 0.5× to 1.5× the mean, so some files span several chunks.
    await writeRandomFile(
      join(sub, `f${i}.bin`),
      Math.floor(per * (0.5 + ((i * 7919) % 1000) / 1000)),
      i + 1,
    );
  }
  await sha256sumAll(dir); // warm the page cache for both sides
  const ours: number[] = [];
  const theirs: number[] = [];
  const restart: number[] = [];
  let files = 0;
  for (let r = 0; r < size.runs; r++) {
    theirs.push(await sha256sumAll(dir));
    await Deno.remove(join(dir, HASH_CACHE_FILE)).catch(() => {});
    let t0 = performance.now();
    const scan = await scanShare(dir);
    ours.push((performance.now() - t0) / 1000);
    files = scan.files.length;
    t0 = performance.now();
    const again = await scanShare(dir);
    restart.push((performance.now() - t0) / 1000);
    if (again.hashed !== 0) throw new Error("the restart hashed files again");
  }
  await Deno.remove(dir, { recursive: true });
  const mb = (size.startupBytes / 2 ** 20).toFixed(0);
  const first = figure({
    id: "6a",
    name: `first share scan: ${files.toLocaleString("en")} files, ${mb} MiB, hashed`,
    unit: "s",
    values: ours,
    baseline: { name: "sha256sum over the same files", unit: "s", values: theirs },
    ratios: ours.map((s, i) => theirs[i] / s),
    target: "≥ 0.8× sha256sum speed",
    pass: false,
  });
  first.pass = first.ratio.median >= 0.8;
  const again = figure({
    id: "6b",
    name: "restart with the hash cache",
    unit: "s",
    values: restart,
    baseline: { name: "first scan", unit: "s", values: ours },
    ratios: restart.map((s, i) => s / ours[i]),
    target: "≤ 1 s",
    pass: false,
  });
  again.pass = again.value.median <= 1;
  return [first, again];
}
