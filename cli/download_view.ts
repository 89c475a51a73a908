/**
 * One download as a person sees it, for `get` and the menu alike: the live
 * progress line, notes (resuming, a holder dropped) above it, and the line
 * that says what happened. Both call Peer.download, the one entry point.
 * @module
 */
import { basename } from "node:path";
import type { Peer, PeerDownload } from "../peer/peer.ts";
import { SwapmeetError } from "../shared/errors.ts";
import { safeFileName } from "../shared/file_names.ts";
import type { SearchResult } from "../shared/protocol.ts";
import { humanBytes, plural, terminalSafe } from "../shared/text.ts";
import { createProgress } from "./progress.ts";
import * as screen from "./screen.ts";

/** What the user chose: the name to save as, the one holder (if any), and whether to insist. */
export interface DownloadChoice {
  saveAs?: string;
  peerId?: number;
  /** Download even when the content is already here. */
  again?: boolean;
  /** Stops the download (Ctrl-C in the menu). */
  signal?: AbortSignal;
}

/** Where notes go, and whether to show progress at all. */
export interface DownloadView {
  stream: screen.Stream;
  quiet?: boolean;
}

/**
 * Downloads `file` through `peer` with progress and notes on the terminal.
 * @example
 * const done = await showDownload(peer, hit, { saveAs: "talk.mp3" }, { stream: "out" });
 */
export async function showDownload(
  peer: Peer,
  file: SearchResult,
  choice: DownloadChoice,
  view: DownloadView,
): Promise<PeerDownload> {
  const label = safeFileName(choice.saveAs ?? file.name, file.sha256.slice(0, 12));
  const progress = createProgress(label, file.size, view.quiet ? "quiet" : "auto");
  try {
    return await peer.download(file, {
      ...choice,
      onProgress: (p) => progress.update(p.received, p.sources),
      onNote: view.quiet ? undefined : (line) => screen.notice(line, view.stream),
    });
  } catch (err) {
    if (!choice.signal?.aborted) throw err;
    throw new SwapmeetError(
      `Stopped ${label}. What was verified is kept: download it again to go on from there.`,
    );
  } finally {
    progress.done();
  }
}

/** "Saved /x/downloads/a.mp3 (2.0 MiB, SHA-256 verified, from 2 sources)". */
export function savedLine(done: PeerDownload): string {
  return `Saved ${terminalSafe(done.path)} (${humanBytes(done.bytes)}, SHA-256 verified, from ${
    plural(done.sources, "source")
  })`;
}

/** Says where the content already is (nothing was downloaded). */
export function alreadyHereLine(done: PeerDownload): string {
  const where = done.existing?.where === "share"
    ? "you share it"
    : `it is in your download folder as ${terminalSafe(basename(done.path))}`;
  return `Already here: ${where}, at ${terminalSafe(done.path)} (same SHA-256).`;
}
