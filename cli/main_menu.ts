/**
 * The start menu shown when main.ts runs without arguments.
 * @module
 */
import { DEFAULT_SERVER_PORT } from "../shared/protocol.ts";
import { parsePort, UsageError } from "./args.ts";
import { askWithDefault, LineReader } from "./line_reader.ts";
import { runPeer } from "./peer_commands.ts";
import { runServer } from "./server_command.ts";
import { menuServer } from "./find_server.ts";

/** Asks what to run and the settings it needs, with defaults. */
export async function runMainMenu(): Promise<number> {
  const lines = new LineReader();
  console.log("Swapmeet: file sharing for the LAN");
  console.log("1 - Run index server");
  console.log("2 - Run peer");
  for (;;) {
    const choice = await lines.ask("Choice: ");
    if (choice === null) return 0;
    const c = choice.trim();
    if (c === "1") {
      const host = await askWithDefault(lines, "Listen on host", "0.0.0.0");
      const port = await askPort(lines, "Listen on port", String(DEFAULT_SERVER_PORT));
      await runServer({ host, port }, lines);
      return 0;
    }
    if (c === "2") {
      const lan = await menuServer(lines);
      const host = await askWithDefault(lines, "Index server host", lan.host);
      const serverPort = await askPort(lines, "Index server port", String(lan.port));
      const shareDir = await askWithDefault(lines, "Folder to share", "testing_files");
      const port = await askPort(lines, "Port to serve files on (0: any free)", "0");
      await runPeer(
        {
          server: { host, port: serverPort },
          ...lan.settle({ host, port: serverPort }),
          shareDir,
          port,
          outDir: "downloads",
        },
        lines,
      );
      return 0;
    }
    if (c !== "") console.log(`Please type 1 or 2.`);
  }
}

async function askPort(lines: LineReader, question: string, fallback: string): Promise<number> {
  for (;;) {
    const answer = await askWithDefault(lines, question, fallback);
    try {
      return parsePort(answer, "The port");
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      console.log(err.message);
    }
  }
}
