/**
 * `swapmeet share DIR`: shares a folder until Ctrl-C or SIGTERM.
 * @module
 */
import { openShareFolder } from "../peer/share_folder.ts";
import { resolve } from "node:path";
import { Peer } from "../peer/peer.ts";
import { plural } from "../shared/text.ts";
import { UsageError } from "./args.ts";
import { type CommandSpec, parseCommand, peerSettings } from "./options.ts";
import * as screen from "./screen.ts";
import { onShutdown } from "./shutdown.ts";
import { portInUse } from "./port_in_use.ts";

/** The share command's flags and help. */
export const SHARE: CommandSpec = {
  name: "share",
  args: "DIR",
  brief: ["server", "port", "advertise", "name"],
  about: `Shares DIR (recursively; hidden files, files.json and *.part are skipped) and
serves its files to other peers until Ctrl-C or SIGTERM.`,
  flags: [
    "server",
    "network",
    "secret-file",
    "secret",
    "port",
    "advertise",
    "name",
    "max-upload-rate",
    "upload-slots",
  ],
};

/**
 * Runs `swapmeet share DIR ...`; resolves with the exit code once stopped.
 * @example
 * await shareCommand(["music", "--server", "10.0.0.5:1234"]);
 */
export async function shareCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(SHARE, args);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    throw new UsageError("share needs exactly one folder (see: swapmeet share --help)");
  }
  await openShareFolder(positionals[0]); // a missing folder is said before the LAN is searched
  const { outDir: _, ...settings } = await peerSettings(values);
  const peer = await Peer.start({
    ...settings,
    shareDir: positionals[0],
    log: (line) => screen.notice(line),
  }).catch((err) => {
    throw portInUse(err, "serve files", `port ${settings.port}`, "flag") ??
      settings.choice.explain(err);
  });
  // Ctrl-C is ours before anyone is told we share (a signal without a handler ends the process).
  const stopped = new Promise<void>((done) =>
    onShutdown(async () => {
      await peer.close();
      done();
    })
  );
  screen.say(
    `Peer ${peer.peerId}: sharing ${plural(peer.shares.length, "file")} from ${
      resolve(positionals[0])
    } on port ${peer.port}. Ctrl-C to stop.`,
  );
  await stopped;
  return 0;
}
