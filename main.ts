/**
 * Swapmeet: Napster-style file sharing for the LAN.
 * Parses the command line and runs a subcommand, or the menu without one.
 * @module
 */
import { UsageError } from "./cli/args.ts";
import { GET, getCommand } from "./cli/get_command.ts";
import { runMainMenu } from "./cli/main_menu.ts";
import { usageLine } from "./cli/options.ts";
import { PEER, peerCommand } from "./cli/peer_command.ts";
import * as screen from "./cli/screen.ts";
import { SEARCH, searchCommand } from "./cli/search_command.ts";
import { parseServerArgs, runServer, SERVER } from "./cli/server_command.ts";
import { SHARE, shareCommand } from "./cli/share_command.ts";
import { DISCOVER, discoverCommand } from "./cli/discover_command.ts";
import { terminalSafe } from "./shared/text.ts";

const HELP = `Swapmeet: share folders on the LAN, search everyone's files, download from peers.

Usage:
  swapmeet                         menu: run the index server or a peer
${
  [SERVER, SHARE, SEARCH, GET, PEER, DISCOVER].map((spec) => `  swapmeet ${usageLine(spec)}`).join(
    "\n",
  )
}

Without --server (or $SWAPMEET_SERVER), peers look for the index server on the LAN.
"swapmeet COMMAND --help" tells more. (From a clone: deno task start COMMAND ...)`;

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case undefined:
      return await runMainMenu();
    case "-h":
    case "--help":
    case "help":
      console.log(HELP);
      return 0;
    case "server": {
      const settings = parseServerArgs(rest);
      if (settings) await runServer(settings);
      return 0;
    }
    case "share":
      return await shareCommand(rest);
    case "search":
      return await searchCommand(rest);
    case "get":
      return await getCommand(rest);
    case "peer":
      return await peerCommand(rest);
    case "discover":
      return await discoverCommand(rest);
    default:
      throw new UsageError(`Unknown command "${command}" (see: swapmeet --help)`);
  }
}

if (import.meta.main) {
  // `deno task start` runs us from the project folder; relative paths the user
  // gives mean the folder they typed the command in (the task passes it on).
  const userCwd = Deno.env.get("SWAPMEET_CWD");
  if (userCwd) {
    try {
      Deno.chdir(userCwd);
    } catch { /* that folder is gone: stay in the project folder */ }
  }
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Each line made safe on its own: a listing in an error keeps its line breaks.
    screen.say(`error: ${message.split("\n").map((line) => terminalSafe(line)).join("\n")}`, "err");
    Deno.exit(err instanceof UsageError ? 2 : 1);
  }
}
