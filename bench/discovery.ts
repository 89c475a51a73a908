/**
 * Figure 7: what looking for the index server on the LAN costs a peer
 * command: `search` with no address (mDNS, first answer plus the grace)
 * against the same `search --server H:P`, from process start to the first
 * line of its answer. Runs on two test hosts (network namespaces, root
 * only); elsewhere the figure is left out with a note.
 * @module
 */
import { join } from "node:path";
import { DISCOVERY_GRACE_MS } from "../peer/lan_finder.ts";
import { ROOT } from "./machine.ts";
import { type Figure, figure, median } from "./stats.ts";

/** Sizes for figure 7. */
export interface DiscoverySize {
  runs: number;
}

/** Milliseconds from spawning `main.ts args` in `ns` to the first bytes on its stdout. */
async function firstAnswerMs(ns: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = new Deno.Command("ip", {
    args: [
      ...["netns", "exec", ns, Deno.execPath(), "run", "--allow-all", "--no-lock"],
      ...["--config", join(ROOT, "deno.json"), join(ROOT, "main.ts"), ...args],
    ],
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1", SWAPMEET_MDNS: "on" },
  }).spawn();
  let at = NaN;
  for await (const _ of child.stdout) {
    if (Number.isNaN(at)) at = performance.now() - t0;
  }
  const { code } = await child.status;
  if (code !== 0 || Number.isNaN(at)) throw new Error(`search ${args.join(" ")} failed (${code})`);
  return at;
}

/** Runs figure 7 (or nothing, with a note, where namespaces cannot be made). */
export async function discovery(size: DiscoverySize, work: string): Promise<Figure[]> {
  if (Deno.uid() !== 0) {
    console.error("Figure 7 left out: it needs root for its two network namespaces.");
    return [];
  }
  // Loaded here: it probes for namespace support when loaded.
  const { twoHosts } = await import("../tests/e2e/_netns.ts");
  const dir = join(work, "discovery");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "lecture_notes.txt"), "distributed hash tables\n");
  await using hosts = await twoHosts();
  const { a, b } = hosts;
  await using server = a.start(["server", "--port", "0", "--name", "Bench index"]);
  const port = (await server.waitFor(/listening on 0\.0\.0\.0:(\d+)/))[1];
  await server.waitFor(/Announced on the LAN/);
  await using share = a.start(["share", dir, "--server", `${a.address}:${port}`]);
  await share.waitFor(/Peer 1: sharing 1 file/);
  const query = ["search", "lecture", "--json"];
  const given = [...query, "--server", `${a.address}:${port}`];
  // One of each first, untimed: the first run of a module graph pays for loading it.
  await firstAnswerMs(b.ns, query);
  await firstAnswerMs(b.ns, given);
  const found: number[] = [];
  const direct: number[] = [];
  for (let r = 0; r < size.runs; r++) {
    // Alternate the order so that neither side always follows the other.
    if (r % 2 === 0) {
      found.push(await firstAnswerMs(b.ns, query));
      direct.push(await firstAnswerMs(b.ns, given));
    } else {
      direct.push(await firstAnswerMs(b.ns, given));
      found.push(await firstAnswerMs(b.ns, query));
    }
  }
  const added = found.map((ms, i) => ms - direct[i]);
  const f = figure({
    id: "9",
    name: "peer command start to first answer: `search` finding the server on the LAN",
    unit: "ms",
    values: found,
    baseline: { name: "the same search given --server", unit: "ms", values: direct },
    ratios: found.map((ms, i) => ms / direct[i]),
    target: "discovery adds ≤ 300 ms",
    pass: false,
    notes: `adds ${median(added).toFixed(0)} ms, median of per-run differences, ` +
      `[${Math.min(...added).toFixed(0)}–${Math.max(...added).toFixed(0)}]; ` +
      `${DISCOVERY_GRACE_MS} ms of it is the grace for other servers`,
  });
  f.pass = median(added) <= 300;
  return [f];
}
