/**
 * The peer's interactive menu: search and download, list the network, show
 * my shares, quit. Reads answers from a LineSource, so it runs the same on a
 * terminal and with piped stdin.
 * @module
 */
import { join } from "node:path";
import { formatHolders, formatResults } from "../cli/format.ts";
import { humanBytes, plural } from "../shared/text.ts";
import { askWithDefault, type LineSource } from "../cli/line_reader.ts";
import type { SearchResult } from "../shared/protocol.ts";
import type { Peer } from "./peer.ts";
import { createProgress } from "./progress.ts";
import {
  DESCRIPTIONS_FILE,
  listShareFiles,
  openShareFolder,
  writeDescriptions,
} from "./share_folder.ts";

const MENU = [
  "",
  "1 - Search and download",
  "2 - List network files",
  "3 - Show my shares",
  "4 - Quit",
];

/** Runs the menu until the user quits or input ends. */
export async function runPeerMenu(peer: Peer, lines: LineSource): Promise<void> {
  for (;;) {
    console.log(MENU.join("\n"));
    const choice = await lines.ask("Choice: ");
    if (choice === null) return;
    try {
      switch (choice.trim().toLowerCase()) {
        case "1":
        case "s":
          await searchAndDownload(peer, lines);
          break;
        case "2":
        case "l":
          await listNetwork(peer);
          break;
        case "3":
          showShares(peer);
          break;
        case "4":
        case "q":
        case "quit":
          return;
        case "":
          break;
        default:
          console.log(`Unknown choice "${choice.trim()}": type 1, 2, 3 or 4.`);
      }
    } catch (err) {
      console.log(`Error: ${(err as Error).message}`);
    }
  }
}

async function searchAndDownload(peer: Peer, lines: LineSource): Promise<void> {
  const query = (await lines.ask("Search for: "))?.trim();
  if (!query) return;
  const { results, truncated } = await peer.search(query);
  if (results.length === 0) {
    console.log(`Nothing on the network matches "${query}".`);
    return;
  }
  console.log(formatResults(results).join("\n"));
  if (truncated) console.log(`(more matches not shown: refine the search)`);
  const pick = (await lines.ask(`Download which (1-${results.length}, Enter for none): `))?.trim();
  if (!pick) return;
  const index = Number(pick) - 1;
  const file = results[index];
  if (!Number.isInteger(index) || !file) {
    console.log(`"${pick}" is not a number from 1 to ${results.length}.`);
    return;
  }
  await downloadChosen(peer, file, lines);
}

async function downloadChosen(peer: Peer, file: SearchResult, lines: LineSource): Promise<void> {
  let peerId: number | undefined;
  if (file.peers.length > 1) {
    console.log(`${file.peers.length} peers hold ${file.name}:`);
    console.log(formatHolders(file.peers, peer.peerId).join("\n"));
    const answer = await askWithDefault(lines, "Download from which peer ID (any: Enter)", "any");
    if (answer !== "any") {
      peerId = Number(answer);
      if (!file.peers.some((p) => p.id === peerId)) {
        console.log(`Peer ${answer} does not hold this file.`);
        return;
      }
    }
  }
  const progress = createProgress(file.name, file.size);
  try {
    const done = await peer.download(file, {
      peerId,
      onProgress: (p) => progress.update(p.received, p.sources),
      onNote: (line) => {
        progress.done();
        console.log(line);
      },
    });
    progress.done();
    const from = plural(done.sources, "source");
    console.log(`Saved ${done.path} (${humanBytes(done.bytes)}, SHA-256 verified, from ${from})`);
  } catch (err) {
    progress.done();
    throw err;
  }
}

async function listNetwork(peer: Peer): Promise<void> {
  const { results, truncated } = await peer.list(200);
  if (results.length === 0) {
    console.log("No files are shared on the network yet.");
    return;
  }
  console.log(formatResults(results).join("\n"));
  if (truncated) console.log("(first 200 files shown)");
}

function showShares(peer: Peer): void {
  if (peer.shares.length === 0) {
    console.log("You share no files.");
    return;
  }
  console.log(`You are peer ${peer.peerId}, serving on port ${peer.port}:`);
  console.log(
    formatResults(peer.shares.map((f) => ({ ...f, peers: [] }))).map((l) =>
      l.replace(/0 sources\s+/, "")
    ).join("\n"),
  );
}

/**
 * When a share folder has no files.json, offers to write one, asking a
 * description for each file. Returns true when it wrote one.
 */
export async function offerDescriptions(dir: string, lines: LineSource): Promise<boolean> {
  const root = await openShareFolder(dir);
  try {
    await Deno.stat(join(root, DESCRIPTIONS_FILE));
    return false;
  } catch {
    // missing: offer to create it
  }
  const files = listShareFiles(root);
  if (files.length === 0) return false;
  const answer = await askWithDefault(
    lines,
    `${root} has no ${DESCRIPTIONS_FILE}. Describe its ${files.length} files now? (y/n)`,
    "n",
  );
  if (!/^y/i.test(answer)) return false;
  const descriptions = new Map<string, string>();
  for (const f of files) {
    descriptions.set(f.name, (await lines.ask(`Keywords for ${f.name}: `))?.trim() ?? "");
  }
  await writeDescriptions(root, descriptions);
  console.log(`Wrote ${join(root, DESCRIPTIONS_FILE)}.`);
  return true;
}
