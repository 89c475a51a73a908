/**
 * Menu choice 2: the questions that set up a peer, in the order that wastes
 * no answers (the index server is checked before any files.json question),
 * each asked again, in the menu's words, until its answer works.
 * @module
 */
import { dial } from "../net/dial.ts";
import { lockOutDir, type OutDirLock } from "../peer/out_dir_lock.ts";
import { Peer } from "../peer/peer.ts";
import { openShareFolder } from "../peer/share_folder.ts";
import { offerDescriptions } from "./describe_files.ts";
import { menuServer } from "./find_server.ts";
import { defaultShareDir } from "./options.ts";
import type { LineSource } from "./line_reader.ts";
import { ask, askPort } from "./questions.ts";
import type { PeerSettings } from "./peer_command.ts";
import { portInUse } from "./port_in_use.ts";
import * as screen from "./screen.ts";

/**
 * Asks the questions until a peer runs: the index server (checked at once),
 * the folder to share and its keywords, the port, the download folder (held
 * for this peer). A taken port is asked again; any other failure asks every
 * question again, with the answers given as defaults.
 * @example
 * const { peer, settings } = await setUpPeer(new LineReader());
 */
export async function setUpPeer(
  lines: LineSource,
): Promise<{ peer: Peer; settings: PeerSettings; lock: OutDirLock }> {
  // The index server found on the LAN (if any) is the default answer.
  const lan = await menuServer(lines);
  let host = lan.host;
  let serverPort = lan.port;
  let shareDir = defaultShareDir();
  let port = 0;
  let outDir = "downloads";
  for (let problem = "";;) {
    // 1. The index server, before anything else is asked.
    for (;;) {
      host = await ask(lines, "Index server host", host, problem);
      serverPort = await askPort(lines, "Index server port", String(serverPort), problem, false);
      problem = await reach(host, serverPort);
      if (problem === "") break;
      screen.say(`${problem}. Is it running? Type its address again.`);
      // Enter gives the server found on the LAN (or the default) again, not the answer that failed.
      [host, serverPort] = [lan.host, lan.port];
    }
    // 2. The folder to share, then its keywords.
    for (;;) {
      const dir = await ask(lines, "Folder to share", shareDir, problem);
      problem = await openShareFolder(dir).then(() => "", (e) => (e as Error).message);
      if (problem === "") {
        shareDir = dir;
        break;
      }
      screen.say(`${problem}. Type another folder.`);
    }
    if (Deno.stdin.isTerminal()) await offerDescriptions(shareDir, lines);
    // 3. The port to serve on, and the download folder (one running peer each).
    port = await askPort(lines, "Port to serve files on (0: any free)", String(port), problem);
    let lock: OutDirLock | null = null;
    while (!lock) {
      outDir = await ask(lines, "Download folder", outDir, problem);
      try {
        lock = await lockOutDir(outDir);
        problem = lock ? "" : `${outDir} is the download folder of another peer running here`;
      } catch (err) {
        problem = (err as Error).message;
      }
      if (lock) break;
      screen.say(`${problem}. Type another folder.`);
      outDir = nextName(outDir);
    }
    // 4. Start; a taken port is asked again, anything else asks everything again.
    for (;;) {
      const server = { host, port: serverPort };
      const settings: PeerSettings = {
        server,
        servers: lan.settle(server)?.servers,
        shareDir,
        port,
        outDir,
      };
      try {
        const peer = await Peer.start({
          ...settings,
          shareDownloads: true,
          log: (line) => screen.notice(line),
        });
        return { peer, settings, lock };
      } catch (err) {
        const inUse = portInUse(err, "serve files", `port ${port}`, "menu");
        problem = (inUse ?? (err as Error)).message;
        screen.say(`${problem}.`);
        if (!inUse) break;
        port = await askPort(lines, "Port to serve files on (0: any free)", "0", problem);
      }
    }
    lock.release();
    screen.say("Let's go through the questions again (Enter keeps an answer).");
  }
}

/** The next name to suggest: downloads → downloads-2 → downloads-3. */
function nextName(dir: string): string {
  const m = /^(.*)-(\d+)$/.exec(dir);
  return m ? `${m[1]}-${Number(m[2]) + 1}` : `${dir}-2`;
}

/** "" when something listens at host:port, else why not. */
async function reach(host: string, port: number): Promise<string> {
  try {
    (await dial(host, port, 5_000)).close();
    return "";
  } catch (err) {
    return `Cannot reach an index server at ${host}:${port} (${
      (err as Error).message.replace(/^Cannot reach [^:]+:\d+: /, "")
    })`;
  }
}
