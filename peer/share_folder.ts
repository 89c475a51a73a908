/**
 * Scans a share folder: files (recursively), their SHA-256 and the keywords
 * from its files.json.
 * @module
 */
import { join, relative, resolve, sep } from "node:path";
import { SwapmeetError } from "../shared/errors.ts";
import { fileType, isValidSharedName } from "../shared/file_names.ts";
import { chunkRoot } from "../shared/chunks.ts";
import type { FileRecord } from "../shared/protocol.ts";
import { hashFileChunks } from "./file_hasher.ts";
import { HashCache } from "./hash_cache.ts";
import { type FileId, fileIdOf } from "./plain_file.ts";

/** Name of the descriptions file inside a share folder. */
export const DESCRIPTIONS_FILE = "files.json";

/** A file this peer shares: its record plus where it lives on disk and its chunk hashes. */
export interface SharedFile extends FileRecord {
  /** Absolute path on disk. */
  path: string;
  chunkSize: number;
  chunkRoot: string;
  chunkHashes: string[];
  /** Set while the file is a download in progress: only its verified chunks are served. */
  part?: PartialSource;
  /** The file that was examined (hashed): another at this path is not served. */
  fileId?: FileId;
}

/** A download in progress, shared while it runs. */
export interface PartialSource {
  /** Whether every chunk that bytes `offset` … `offset + length` touch is verified. */
  covers(offset: number, length: number): boolean;
  /** The verified chunks, as CHUNK_LIST's `have`. */
  have(): string;
}

/** What a scan found. */
export interface ShareScan {
  /** Absolute real path of the share folder. */
  root: string;
  files: SharedFile[];
  /** How many files had to be hashed (not found in the hash cache). */
  hashed: number;
  /** Files left out because their names cannot be shared (control characters, too long). */
  badNames: number;
}

/** Checks that `dir` is a folder and returns its absolute real path. */
export async function openShareFolder(dir: string): Promise<string> {
  const abs = resolve(dir);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(abs);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new SwapmeetError(`Cannot open share folder: ${abs} does not exist`);
    }
    throw new SwapmeetError(`Cannot open share folder: ${abs}: ${(err as Error).message}`);
  }
  if (!info.isDirectory) {
    throw new SwapmeetError(`Cannot open share folder: ${abs} is not a folder`);
  }
  return await Deno.realPath(abs);
}

/** Reads files.json: a list of `{name, description}`. Missing file gives an empty map. */
export async function readDescriptions(root: string): Promise<Map<string, string>> {
  const path = join(root, DESCRIPTIONS_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return new Map();
    throw new SwapmeetError(`Cannot read ${path}: ${(err as Error).message}`);
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (err) {
    throw new SwapmeetError(`${path} is not valid JSON (${(err as Error).message})`);
  }
  const entries = Array.isArray(list) ? list : [];
  const map = new Map<string, string>();
  for (const e of entries) {
    if (
      typeof e?.name !== "string" ||
      (e.description !== undefined && typeof e.description !== "string")
    ) {
      throw new SwapmeetError(`${path} must be a list of {"name": "...", "description": "..."}`);
    }
    map.set(e.name, e.description ?? "");
  }
  if (!Array.isArray(list)) {
    throw new SwapmeetError(`${path} must be a list of {"name": "...", "description": "..."}`);
  }
  return map;
}

/** Writes files.json from a map of name → description. */
export async function writeDescriptions(
  root: string,
  descriptions: Map<string, string>,
): Promise<void> {
  const list = [...descriptions].map(([name, description]) => ({ name, description }));
  await Deno.writeTextFile(join(root, DESCRIPTIONS_FILE), JSON.stringify(list, null, 2) + "\n");
}

/** Whether a path inside the share is left out: hidden, files.json, or a partial download. */
export function isIgnored(relName: string): boolean {
  const segments = relName.split("/");
  if (segments.some((s) => s.startsWith("."))) return true;
  return relName === DESCRIPTIONS_FILE || relName.endsWith(".part") ||
    relName.endsWith(".part.json");
}

/** A file found in a share folder, before hashing. */
export interface ListedFile {
  name: string;
  path: string;
  size: number;
  mtime: number;
  fileId?: FileId;
}

/**
 * Lists the shareable files below `root` (an absolute real path), without
 * hashing them. Uses blocking calls: one async hop per file would cost more
 * than the listing itself (10,000 files list in well under 100 ms).
 */
export function listShareFiles(root: string, skipped = { badNames: 0 }): ListedFile[] {
  const out: ListedFile[] = [];
  const walk = (dir: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return; // vanished or unreadable folder
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const name = relative(root, path).split(sep).join("/");
      if (isIgnored(name)) continue;
      if (!isValidSharedName(name)) {
        skipped.badNames++;
        continue;
      }
      if (entry.isDirectory) {
        walk(path);
        continue;
      }
      let info: Deno.FileInfo;
      try {
        if (entry.isSymlink) {
          // A link is shared only when it ends at a file inside the share.
          const target = Deno.realPathSync(path);
          if (!target.startsWith(root + sep)) continue;
        }
        info = Deno.statSync(path);
      } catch {
        continue; // vanished or dangling link
      }
      if (!info.isFile) continue;
      out.push({
        name,
        path,
        size: info.size,
        mtime: info.mtime?.getTime() ?? 0,
        fileId: fileIdOf(info),
      });
    }
  };
  walk(root);
  out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return out;
}

/** Scans every shareable file below `dir`, hashing only what the hash cache does not know. */
export async function scanShare(dir: string): Promise<ShareScan> {
  const root = await openShareFolder(dir);
  const descriptions = await readDescriptions(root);
  const cache = new HashCache(root);
  await cache.load();
  const files: SharedFile[] = [];
  let hashed = 0;
  const skipped = { badNames: 0 };
  for (const f of listShareFiles(root, skipped)) {
    const mtime = Math.floor(f.mtime);
    let hashes = cache.get(f.name, f.size, mtime);
    if (!hashes) {
      try {
        hashes = await hashFileChunks(f.path, f.size);
      } catch {
        continue; // unreadable or removed meanwhile: not shared
      }
      cache.set(f.name, f.size, mtime, hashes);
      hashed++;
    }
    files.push({
      name: f.name,
      path: f.path,
      type: fileType(f.name),
      size: f.size,
      mtime,
      sha256: hashes.sha256,
      description: descriptions.get(f.name) ?? "",
      chunkSize: hashes.chunkSize,
      chunkRoot: chunkRoot(hashes.chunkHashes),
      chunkHashes: hashes.chunkHashes,
      fileId: f.fileId,
    });
  }
  cache.retain(new Set(files.map((f) => f.name)));
  await cache.save();
  return { root, files, hashed, badNames: skipped.badNames };
}

/** The record registered with the index for a shared file. */
export function toRecord(f: SharedFile): FileRecord {
  return {
    name: f.name,
    type: f.type,
    size: f.size,
    mtime: f.mtime,
    sha256: f.sha256,
    description: f.description,
    chunkSize: f.chunkSize,
    chunkRoot: f.chunkRoot,
    ...(f.part ? { partial: true } : {}),
  };
}
