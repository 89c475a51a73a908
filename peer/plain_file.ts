/**
 * Opening a file for writing without ever writing through a link: in a
 * download folder others can write to (a shared /tmp), a symbolic link or a
 * hard link planted at a name we are about to use must not redirect our
 * writes. Also what names one file on disk (device and inode), so that a file
 * served or placed later can be checked to be the one that was examined.
 * @module
 */

/** One file on disk, whatever its names: its device and inode. */
export interface FileId {
  dev: number;
  ino: number;
}

/** The FileId of a stat result (undefined where the platform gives none). */
export function fileIdOf(info: Deno.FileInfo): FileId | undefined {
  return info.ino === null || info.dev === undefined ? undefined : { dev: info.dev, ino: info.ino };
}

/** Whether `info` is the file `id` names (true when there is no id to compare). */
export function isFile(info: Deno.FileInfo, id: FileId | undefined): boolean {
  return id === undefined || (info.dev === id.dev && info.ino === id.ino);
}

/** This process's user ID; null where it cannot be known (no --allow-sys=uid, or Windows). */
const MY_UID: number | null = (() => {
  try {
    // Asked only when granted: never a permission prompt at start-up.
    if (Deno.permissions.querySync({ name: "sys", kind: "uid" }).state !== "granted") return null;
    return Deno.uid();
  } catch {
    return null;
  }
})();

/**
 * Whether a file found on disk may be trusted as ours: owned by this user
 * (where that can be known) and writable by nobody else. In a download folder
 * others can write to, a file another user planted (or can still write) could
 * be changed after its bytes were verified.
 */
export function ownedHere(info: Deno.FileInfo): boolean {
  if (MY_UID !== null && info.uid !== null && info.uid !== MY_UID) return false;
  return info.mode === null || (info.mode & 0o022) === 0;
}

/**
 * Opens `path` for reading and writing only if it is a plain file with one
 * name that is ownedHere, or creates it afresh (writable by its owner only);
 * null otherwise. The check after opening catches a link swapped in between.
 */
export async function openPlainFile(path: string): Promise<Deno.FsFile | null> {
  let before: Deno.FileInfo | null = null;
  try {
    before = await Deno.lstat(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (before && (!before.isFile || (before.nlink ?? 1) > 1 || !ownedHere(before))) return null;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(
      path,
      before ? { read: true, write: true } : {
        read: true,
        write: true,
        createNew: true,
        mode: 0o644,
      },
    );
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return null; // appeared meanwhile
    throw err;
  }
  const opened = await file.stat();
  const now = await Deno.lstat(path).catch(() => null);
  if (
    !now?.isFile || now.ino !== opened.ino || now.dev !== opened.dev ||
    (opened.nlink ?? 1) > 1 || !ownedHere(opened)
  ) {
    file.close();
    return null;
  }
  return file;
}
