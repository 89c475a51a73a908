/**
 * `swapmeet get NAME|SHA256`: downloads one file, saved under the name asked for.
 * @module
 */
import { Peer } from "../peer/peer.ts";
import { SwapmeetError } from "../shared/errors.ts";
import type { SearchResult } from "../shared/protocol.ts";
import { terminalSafe } from "../shared/text.ts";
import { parseCount, UsageError } from "./args.ts";
import { alreadyHereLine, showDownload } from "./download_view.ts";
import { formatHolderLines, formatResults } from "./format.ts";
import { type CommandSpec, networkSettings, parseCommand, stallMs } from "./options.ts";
import * as screen from "./screen.ts";
import { onShutdown } from "./shutdown.ts";
import { humanBytes, plural } from "../shared/text.ts";

/** The get command's flags and help. */
export const GET: CommandSpec = {
  name: "get",
  args: "NAME|SHA256",
  brief: ["server", "peer", "out"],
  about: `Downloads a file by exact name (or the only search match) or by SHA-256, and
saves it under the name asked for. The file is verified before it gets its
name; an existing file is never replaced. Content already in the download
folder is not fetched again (unless --again). Prints the final path.`,
  flags: [
    "server",
    "network",
    "secret-file",
    "secret",
    "peer",
    "out",
    "again",
    "quiet",
    "stall-timeout",
  ],
};

/** The file a name means, and the name to save it as. */
export type Target = { file: SearchResult; saveAs: string } | { candidates: SearchResult[] };

/**
 * Picks the file `target` (a name, as typed) means among search results,
 * among the files `peerId` holds when given. Exact names (a holder's whole
 * name, or its last segments) win over other matches. The file is saved as
 * the name as typed, or a holder's spelling of it (`REPORT.PDF` → `Report.pdf`).
 */
export function chooseTarget(results: SearchResult[], target: string, peerId?: number): Target {
  const lower = target.toLowerCase();
  const named = (name: string) => {
    const n = name.toLowerCase();
    return n === lower || n.endsWith(`/${lower}`);
  };
  const usable = results
    .map((r) => ({ ...r, peers: r.peers.filter((p) => peerId === undefined || p.id === peerId) }))
    .filter((r) => r.peers.length > 0);
  const exact = usable.filter((r) => named(r.name) || r.peers.some((p) => named(p.name)));
  const candidates = exact.length > 0 ? exact : usable;
  // Variants of one content hash (holders disagreeing on its size or chunk root) are one file:
  // the most held is tried first, the others after it (Peer.download).
  if (new Set(candidates.map((r) => r.sha256)).size !== 1) return { candidates };
  const file = candidates.reduce((a, b) => b.peers.length > a.peers.length ? b : a);
  // The name as typed when a holder (or the result) has it so, else a holder's spelling of it.
  const names = [...file.peers.map((p) => p.name), file.name];
  const saveAs = exact.length > 0
    ? names.find((n) => n === target || n.endsWith(`/${target}`)) ?? names.find(named)!
    : peerId === undefined
    ? file.name
    : file.peers[0].name;
  return { file, saveAs };
}

/** Finds the one file meant by a name or SHA-256 (narrowed to one holder with --peer). */
async function findTarget(
  peer: Peer,
  target: string,
  peerId?: number,
): Promise<{ file: SearchResult; saveAs: string }> {
  const holder = peerId === undefined ? "" : ` that peer ${peerId} holds`;
  if (/^[0-9a-f]{64}$/i.test(target)) {
    const found = await peer.locate(target.toLowerCase());
    const mine = found?.peers.find((p) => p.id === peerId);
    if (!found || (peerId !== undefined && !mine)) {
      throw new SwapmeetError(`No file with SHA-256 ${target}${holder} is on the network`);
    }
    return { file: found, saveAs: mine?.name ?? found.name };
  }
  const choice = chooseTarget((await peer.search(target, 1000)).results, target, peerId);
  if ("file" in choice) return choice;
  const safe = terminalSafe(target);
  if (choice.candidates.length === 0) {
    const hashLike = /^[0-9a-f]{8,63}$/i.test(target)
      ? " (to get a file by its SHA-256, give all 64 hex digits: search --json shows them)"
      : "";
    throw new SwapmeetError(`No file named "${safe}"${holder} is on the network${hashLike}`);
  }
  const shown = choice.candidates.slice(0, 20);
  const heads = formatResults(shown).map((l, i) => `${l}  ${shown[i].sha256}`);
  screen.say(shown.flatMap((r, i) => [heads[i], ...formatHolderLines(r)]).join("\n"), "err");
  throw new SwapmeetError(
    `${choice.candidates.length} different files${holder} match "${safe}" (listed above): give one's SHA-256${
      peerId === undefined ? ", or --peer ID" : ""
    }`,
  );
}

/**
 * Runs `swapmeet get NAME|SHA256 ...`; prints the saved file's path.
 * @example
 * await getCommand(["talk.mp3", "--out", "/tmp/music"]);
 */
export async function getCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(GET, args);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    throw new UsageError("get needs one file name or SHA-256 (see: swapmeet get --help)");
  }
  const peerId = values.peer === undefined ? undefined : parseCount(values.peer, "--peer");
  const quiet = values.quiet ?? false;
  const stall = stallMs(values); // checked before the index server is looked for
  const network = await networkSettings(values);
  const peer = await Peer.start({
    ...network,
    stallMs: stall,
    outDir: values.out ?? "downloads",
    log: (line) => screen.notice(line, "err"),
  }).catch((err) => {
    throw network.choice.explain(err);
  });
  let started = false;
  onShutdown(async () => {
    if (started) {
      screen.say("Stopped. The verified part is kept: run the same command to resume.", "err");
    }
    await peer.close();
    return 130;
  });
  try {
    const { file, saveAs } = await findTarget(peer, positionals[0], peerId);
    started = true;
    const done = await showDownload(peer, file, { saveAs, peerId, again: values.again }, {
      stream: "err",
      quiet,
    });
    if (!quiet && done.existing) {
      screen.say(`${alreadyHereLine(done)} Nothing downloaded (--again fetches a copy).`, "err");
    } else if (!quiet) {
      screen.say(
        `Verified ${humanBytes(done.bytes)} (SHA-256) from ${plural(done.sources, "source")}.`,
        "err",
      );
    }
    screen.say(done.path);
    return 0;
  } finally {
    await peer.close();
  }
}
