/**
 * The peer's interactive menu: search and download, list the network, show
 * my shares, quit. Reads answers from a LineSource, so it runs the same on a
 * terminal and with piped stdin. A wrong answer is asked again; an error is
 * told and the menu goes on.
 * @module
 */
import type { Peer } from "../peer/peer.ts";
import type { SearchResult } from "../shared/protocol.ts";
import { terminalSafe } from "../shared/text.ts";
import { alreadyHereLine, savedLine, showDownload } from "./download_view.ts";
import { formatHolders, formatResults, formatResultsWithHolders } from "./format.ts";
import { askWithDefault, type LineSource } from "./line_reader.ts";
import { askYesNo } from "./questions.ts";
import * as screen from "./screen.ts";
import { interruptible } from "./shutdown.ts";

const MENU = [
  "",
  "1 - Search and download",
  "2 - List network files",
  "3 - Show my shares",
  "4 - Quit",
];

/**
 * Runs the menu until the user quits or input ends.
 * @example
 * await runPeerMenu(peer, new LineReader());
 */
export async function runPeerMenu(peer: Peer, lines: LineSource): Promise<void> {
  for (;;) {
    screen.say(MENU.join("\n"));
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
          screen.say(`Unknown choice "${choice.trim()}": type 1, 2, 3 or 4.`);
      }
    } catch (err) {
      screen.say(`error: ${terminalSafe((err as Error).message)}`);
    }
  }
}

async function searchAndDownload(peer: Peer, lines: LineSource): Promise<void> {
  const query = (await lines.ask("Search for: "))?.trim();
  if (!query) return;
  const { results, truncated } = await peer.search(query);
  if (results.length === 0) {
    screen.say(`Nothing on the network matches "${terminalSafe(query)}".`);
    return;
  }
  screen.say(formatResultsWithHolders(results, peer.peerId).join("\n"));
  if (truncated) screen.say(`(more matches not shown: add words to narrow the search)`);
  const file = await pickOne(lines, results);
  if (file) await downloadChosen(peer, file, lines);
}

/** Asks for a result number until the answer is one (or Enter: none). */
async function pickOne(lines: LineSource, results: SearchResult[]): Promise<SearchResult | null> {
  for (;;) {
    const pick = (await lines.ask(`Download which (1-${results.length}, Enter for none): `))
      ?.trim();
    if (!pick) return null;
    const file = /^\d+$/.test(pick) ? results[Number(pick) - 1] : undefined;
    if (file) return file;
    screen.say(`"${pick}" is not a number from 1 to ${results.length}; try again.`);
  }
}

async function downloadChosen(peer: Peer, file: SearchResult, lines: LineSource): Promise<void> {
  const others = file.peers.filter((p) => p.id !== peer.peerId);
  if (others.length === 0) {
    const mine = file.peers[0]?.name ?? file.name;
    screen.say(`That is your own file: you share it as ${terminalSafe(mine)}.`);
    return;
  }
  let peerId: number | undefined;
  let saveAs = file.name;
  if (others.length > 1) {
    screen.say(`${others.length} other peers hold ${terminalSafe(file.name)}:`);
    screen.say(formatHolders(file.peers, peer.peerId).join("\n"));
    for (;;) {
      const answer = await askWithDefault(lines, "Download from which peer ID (any: Enter)", "any");
      if (answer === "any") break;
      const holder = others.find((p) => String(p.id) === answer);
      if (holder) {
        peerId = holder.id;
        saveAs = holder.name;
        break;
      }
      screen.say(
        `"${answer}" is not one of ${
          others.map((p) => p.id).join(", ")
        }; type one, or Enter for any.`,
      );
    }
  }
  // Ctrl-C during the download stops it (what is verified is kept) and comes back here.
  // A stop the user asked for is news, not an error: null.
  const fetch = (again: boolean) =>
    interruptible(async (signal) => {
      try {
        return await showDownload(peer, file, { saveAs, peerId, again, signal }, {
          stream: "out",
        });
      } catch (err) {
        if (!signal.aborted) throw err;
        screen.say((err as Error).message);
        return null;
      }
    });
  let done = await fetch(false);
  if (done?.existing) {
    screen.say(alreadyHereLine(done));
    if (!await askYesNo(lines, "Download another copy anyway?", "n")) return;
    done = await fetch(true);
  }
  if (done) screen.say(savedLine(done));
}

async function listNetwork(peer: Peer): Promise<void> {
  const { results, truncated } = await peer.list(200);
  if (results.length === 0) {
    screen.say("No files are shared on the network yet.");
    return;
  }
  screen.say(formatResults(results, peer.peerId).join("\n"));
  if (truncated) screen.say("(first 200 files shown)");
}

function showShares(peer: Peer): void {
  if (peer.shares.length === 0) {
    screen.say("You share no files.");
    return;
  }
  screen.say(`You are peer ${peer.peerId}, serving on port ${peer.port}:`);
  screen.say(
    formatResults(peer.shares.map((f) => ({ ...f, peers: [] }))).map((l) =>
      l.replace(/0 sources\s+/, "")
    ).join("\n"),
  );
}
