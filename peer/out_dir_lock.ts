/**
 * One running peer per download folder: a peer holds an exclusive lock on a
 * hidden file in its download folder, so a second peer started from the same
 * place learns that the folder is taken instead of silently mixing its
 * downloads in. The operating system drops the lock when the process ends,
 * however it ends.
 * @module
 */
import { join, resolve } from "node:path";
import { SwapmeetError } from "../shared/errors.ts";
import { osErrorText } from "../shared/text.ts";

/** Name of the lock file inside a download folder (hidden: never shared). */
export const LOCK_FILE = ".swapmeet-peer.lock";

/** A held download folder; `release()` lets another peer have it. */
export interface OutDirLock {
  /** Absolute path of the folder. */
  readonly dir: string;
  release(): void;
}

/**
 * Creates `dir` if needed and locks it for this process. Returns null when
 * another peer holds it; throws SwapmeetError when it cannot be created or
 * its lock file is not a regular file.
 * @example
 * const lock = await lockOutDir("downloads");
 * if (!lock) console.log("another peer uses downloads/");
 */
export async function lockOutDir(dir: string): Promise<OutDirLock | null> {
  const abs = resolve(dir);
  const path = join(abs, LOCK_FILE);
  let file: Deno.FsFile;
  try {
    await Deno.mkdir(abs, { recursive: true });
    try {
      file = await Deno.open(path, { createNew: true, write: true });
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      // Never follow a link planted in the folder's place of the lock.
      if (!(await Deno.lstat(path)).isFile) {
        throw new SwapmeetError(`Cannot use ${abs}: ${LOCK_FILE} in it is not a regular file`);
      }
      file = await Deno.open(path, { read: true });
    }
  } catch (err) {
    if (err instanceof SwapmeetError) throw err;
    throw new SwapmeetError(`Cannot use ${abs} as the download folder: ${osErrorText(err)}`);
  }
  if (!(await file.tryLock(true))) {
    file.close();
    return null;
  }
  return { dir: abs, release: () => file.close() };
}
