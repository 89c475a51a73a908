/**
 * The start menu shown when main.ts runs without arguments. Nothing a menu
 * user types ends the program: a wrong answer or a failure is told in the
 * menu's words and the question is asked again.
 * @module
 */
import { DEFAULT_SERVER_PORT } from "../shared/protocol.ts";
import { LineReader } from "./line_reader.ts";
import { runPeer } from "./peer_command.ts";
import { setUpPeer } from "./peer_setup.ts";
import { ask, askPort } from "./questions.ts";
import { portInUse } from "./port_in_use.ts";
import * as screen from "./screen.ts";
import {
  type RunningServer,
  type ServerSettings,
  serveUntilStopped,
  startServer,
} from "./server_command.ts";

/**
 * Asks what to run and the settings it needs, with defaults; runs it.
 * @example
 * Deno.exit(await runMainMenu());
 */
export async function runMainMenu(): Promise<number> {
  const lines = new LineReader();
  screen.say("Swapmeet: file sharing for the LAN");
  screen.say("1 - Run index server");
  screen.say("2 - Run peer");
  for (;;) {
    const choice = await lines.ask("Choice: ");
    if (choice === null) return 0;
    const c = choice.trim();
    if (c === "1") {
      await menuServer(lines);
      return 0;
    }
    if (c === "2") {
      const { peer, settings } = await setUpPeer(lines);
      await runPeer(peer, settings, lines);
      return 0;
    }
    if (c !== "") screen.say(`Please type 1 or 2.`);
  }
}

/** Asks where to listen until the server starts there, then serves until quit. */
async function menuServer(lines: LineReader): Promise<void> {
  let host = "0.0.0.0";
  let port = String(DEFAULT_SERVER_PORT);
  for (let problem = "";;) {
    host = await ask(lines, "Listen on host", host, problem);
    const settings: ServerSettings = {
      host,
      port: await askPort(lines, "Listen on port", port, problem),
    };
    port = String(settings.port);
    let server: RunningServer;
    try {
      server = await startServer(settings);
    } catch (err) {
      const inUse = portInUse(err, "listen", `${host}:${settings.port}`, "menu");
      problem = (inUse ?? err as Error).message;
      screen.say(`${problem}.`);
      if (inUse) port = "0";
      continue;
    }
    return await serveUntilStopped(server, lines);
  }
}
