/**
 * `swapmeet peer`: shares a folder and opens the interactive menu (also menu
 * choice 2, once its questions are answered).
 * @module
 */
import { resolve } from "node:path";
import { lockOutDir } from "../peer/out_dir_lock.ts";
import { openShareFolder } from "../peer/share_folder.ts";
import { Peer, type PeerOptions } from "../peer/peer.ts";
import { SwapmeetError } from "../shared/errors.ts";
import { plural } from "../shared/text.ts";
import { offerDescriptions } from "./describe_files.ts";
import { LineReader, type LineSource } from "./line_reader.ts";
import {
  type CommandSpec,
  defaultShareDir,
  noPositionals,
  parseCommand,
  peerSettings,
} from "./options.ts";
import { runPeerMenu } from "./peer_menu.ts";
import { portInUse } from "./port_in_use.ts";
import * as screen from "./screen.ts";
import { onShutdown } from "./shutdown.ts";

/** The peer command's flags and help. */
export const PEER: CommandSpec = {
  name: "peer",
  args: "",
  brief: ["server", "share", "port", "out"],
  about: `Shares a folder and opens the interactive menu: search and download, list
the network's files, show your shares, quit.`,
  flags: [
    "server",
    "network",
    "secret-file",
    "secret",
    "share",
    "port",
    "out",
    "advertise",
    "name",
    "max-upload-rate",
    "upload-slots",
    "stall-timeout",
  ],
};

/** Settings of an interactive peer: Peer.start's, with the folders it needs. */
export type PeerSettings = PeerOptions & { shareDir: string; outDir: string };

/**
 * Runs `swapmeet peer ...` until the user quits.
 * @example
 * await peerCommand(["--share", "music", "--out", "incoming"]);
 */
export async function peerCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(PEER, args);
  if (!parsed) return 0;
  noPositionals(PEER, parsed.positionals);
  const shareDir = parsed.values.share ?? defaultShareDir();
  await openShareFolder(shareDir); // a missing folder is said before the LAN is searched
  const settings = { ...await peerSettings(parsed.values), shareDir };
  const lock = await lockOutDir(settings.outDir);
  if (!lock) {
    throw new SwapmeetError(
      `The download folder ${settings.outDir} belongs to another Swapmeet peer running here; give another with --out DIR`,
    );
  }
  const lines = new LineReader();
  if (Deno.stdin.isTerminal()) await offerDescriptions(settings.shareDir, lines);
  const peer = await Peer.start({
    ...settings,
    shareDownloads: true,
    log: (line) => screen.notice(line),
  }).catch(
    (err) => {
      throw portInUse(err, "serve files", `port ${settings.port}`, "flag") ??
        settings.choice.explain(err);
    },
  );
  await runPeer(peer, settings, lines);
  return 0;
}

/** Says who the peer is, runs the menu until quit (or Ctrl-C), and leaves the network. */
export async function runPeer(
  peer: Peer,
  settings: PeerSettings,
  lines: LineSource,
): Promise<void> {
  onShutdown(async () => {
    await peer.close();
    screen.say("Bye.");
  });
  screen.say(
    `Peer ${peer.peerId}: sharing ${plural(peer.shares.length, "file")} from ${
      resolve(settings.shareDir)
    } on port ${peer.port}; downloads go to ${peer.outDir}.`,
  );
  try {
    await runPeerMenu(peer, lines);
  } finally {
    await peer.close();
    screen.say("Bye.");
  }
}
