/**
 * A sharing peer's download, shared while it runs and afterwards: its
 * verified chunks are served as `downloads/NAME` (under the download
 * folder's name; marked partial on the
 * index), and the finished file takes that place as a new source. A download
 * that fails is unshared.
 * @module
 */
import { basename, isAbsolute, relative } from "node:path";
import { chunkRoot } from "../shared/chunks.ts";
import { SwapmeetError } from "../shared/errors.ts";
import { fileType } from "../shared/file_names.ts";
import type { SearchResult } from "../shared/protocol.ts";
import type { DownloadResult, PartialDownload } from "./downloader.ts";
import { scanShare, type SharedFile } from "./share_folder.ts";
import type { ShareSet } from "./share_set.ts";

/** What a shared download needs from its peer. */
export interface ShareLink {
  shares: ShareSet;
  /** Registers files with the index when connected (errors only logged). */
  register(files: SharedFile[]): Promise<void>;
  /** Unregisters names when connected (errors ignored). */
  unregister(names: string[]): Promise<void>;
  log?: (line: string) => void;
}

/** One download of a sharing peer. */
export class DownloadShare {
  readonly #link: ShareLink;
  readonly #file: SearchResult;
  #partial: SharedFile | null = null;
  #registered: Promise<void> = Promise.resolve();

  constructor(link: ShareLink, file: SearchResult) {
    this.#link = link;
    this.#file = file;
  }

  /** Starts serving the download's verified chunks (DownloadOptions.onPartial). */
  readonly onPartial = (src: PartialDownload): void => {
    const file = this.#file;
    this.#partial = this.#link.shares.addDownloaded({
      baseName: src.name,
      path: src.partPath,
      type: fileType(src.name),
      size: file.size,
      mtime: Date.now(),
      sha256: file.sha256,
      description: file.description,
      chunkSize: file.chunkSize,
      chunkRoot: file.chunkRoot,
      chunkHashes: src.chunkHashes,
      part: src,
      fileId: src.fileId,
    });
    this.#registered = this.#link.register([this.#partial]);
  };

  /** The download failed: stop serving its chunks. */
  async failed(): Promise<void> {
    const partial = this.#partial;
    this.#partial = null;
    if (!partial) return;
    this.#link.shares.removeDownloaded(partial.name);
    await this.#registered;
    await this.#link.unregister([partial.name]);
  }

  /**
   * The download is done and verified: share the file under the name it got on
   * disk (`NAME (1)` when NAME was taken), in the place of the partial share.
   */
  async done(result: DownloadResult): Promise<void> {
    const { path, chunkHashes } = result;
    if (!chunkHashes) return await this.failed();
    const info = await Deno.lstat(path);
    const fields = {
      path,
      type: fileType(path),
      size: info.size,
      mtime: Math.floor(info.mtime?.getTime() ?? 0),
      sha256: this.#file.sha256,
      description: this.#file.description,
      chunkSize: this.#file.chunkSize,
      chunkRoot: chunkRoot(chunkHashes),
      chunkHashes,
      fileId: result.fileId,
    };
    const baseName = basename(path);
    const shares = this.#link.shares;
    let entry: SharedFile;
    if (this.#partial?.name === `${shares.downloadsName}/${baseName}`) {
      entry = shares.replaceDownloaded(this.#partial.name, fields);
      this.#partial = null;
    } else {
      await this.failed();
      entry = shares.addDownloaded({ ...fields, baseName });
    }
    await this.#link.register([entry]);
    this.#link.log?.(`Sharing ${entry.name} as a new source.`);
  }
}

/**
 * Shares what an earlier run left in the download folder (finished files,
 * not `.part`s), as `downloads/NAME`: a peer that restarts keeps sharing its
 * downloads. Nothing when the folder is missing or inside the share folder
 * (its files are shared already); SwapmeetError when it is the share folder.
 * Returns how many files were added.
 */
export async function shareDownloadFolder(
  shares: ShareSet,
  outDir: string,
  shareRoot: string,
): Promise<number> {
  let root: string;
  try {
    root = await Deno.realPath(outDir);
  } catch {
    return 0; // no download folder yet
  }
  const within = relative(shareRoot, root);
  if (within === "") {
    throw new SwapmeetError(
      `The download folder ${outDir} is the folder you share: downloads are shared anyway (as ${
        basename(outDir)
      }/NAME); choose another download folder`,
    );
  }
  if (!within.startsWith("..") && !isAbsolute(within)) return 0;
  const { files } = await scanShare(root);
  for (const { name, ...f } of files) shares.addDownloaded({ ...f, baseName: name });
  return files.length;
}
