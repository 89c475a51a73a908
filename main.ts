/**
 * Swapmeet: Napster-style file sharing for the LAN.
 * Parses the command line and runs a subcommand, or the menu without one.
 * @module
 */
import { UsageError } from "./cli/args.ts";
import { runMainMenu } from "./cli/main_menu.ts";
import { getCommand, peerCommand, searchCommand, shareCommand } from "./cli/peer_commands.ts";
import { parseServerArgs, runServer } from "./cli/server_command.ts";

const HELP = `Swapmeet: share folders on the LAN, search everyone's files, download from peers.

Usage:
  swapmeet                         menu: run the index server or a peer
  swapmeet server [--host H] [--port P] [--name NAME] [--no-announce]
  swapmeet share DIR [--server H:P] [--port P] [--advertise HOST]
  swapmeet search WORDS... [--server H:P] [--json] [--limit N]
  swapmeet get NAME|SHA256 [--server H:P] [--peer ID] [--out DIR]
  swapmeet peer [--server H:P] [--share DIR] [--port P] [--out DIR]
  swapmeet discover [--timeout S] [--json]

Without --server (or $SWAPMEET_SERVER), peers look for the server on the LAN.
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
    case "discover": {
      const { discoverCommand } = await import("./cli/discover_command.ts");
      return await discoverCommand(rest);
    }
    default:
      throw new UsageError(`Unknown command "${command}" (see: swapmeet --help)`);
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message}`);
    Deno.exit(err instanceof UsageError ? 2 : 1);
  }
}
