/**
 * Finds content this machine already has before it is downloaded again: a
 * file the peer shares, or a file in the download folder with the same
 * SHA-256. Only files of the right size are hashed.
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { hashFileChunks } from "./file_hasher.ts";
import type { SharedFile } from "./share_folder.ts";

/** A copy of the content that is already here. */
export interface LocalCopy {
  /** Absolute path of the file. */
  path: string;
  /** Where it was found. */
  where: "share" | "download folder";
}

/** Most same-size files hashed in the download folder (a folder of equal-size files stays cheap). */
const MAX_CANDIDATES = 16;

/**
 * The first copy of `sha256` (of `size` bytes) among the complete files in
 * `shares`, else among the regular files directly in `outDir` (`preferred`,
 * the name the download would get, looked at first); null when there is none.
 * @example
 * const copy = await findLocalCopy(file.sha256, file.size, peer.shares, "downloads", "a.mp3");
 */
export async function findLocalCopy(
  sha256: string,
  size: number,
  shares: SharedFile[],
  outDir: string,
  preferred: string,
): Promise<LocalCopy | null> {
  const shared = shares.find((f) => f.sha256 === sha256 && !f.part);
  if (shared) {
    const downloaded = dirname(shared.path) === resolve(outDir);
    return { path: shared.path, where: downloaded ? "download folder" : "share" };
  }
  let names: string[];
  try {
    names = [...Deno.readDirSync(outDir)]
      .filter((e) => e.isFile && !e.name.startsWith(".") && !/\.part(\.json)?$/.test(e.name))
      .map((e) => e.name);
  } catch {
    return null; // no download folder yet
  }
  names.sort((a, b) => (a === preferred ? -1 : b === preferred ? 1 : 0));
  let hashed = 0;
  for (const name of names) {
    const path = join(outDir, name);
    try {
      if (Deno.statSync(path).size !== size) continue;
      if (++hashed > MAX_CANDIDATES) break;
      if ((await hashFileChunks(path, size)).sha256 === sha256) {
        return { path, where: "download folder" };
      }
    } catch {
      // vanished or unreadable: not a copy
    }
  }
  return null;
}
