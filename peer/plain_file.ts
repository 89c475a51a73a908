/**
 * Opening a file for writing without ever writing through a link: in a
 * download folder others can write to (a shared /tmp), a symbolic link or a
 * hard link planted at a name we are about to use must not redirect our
 * writes.
 * @module
 */

/**
 * Opens `path` for reading and writing only if it is a plain file with one
 * name, or creates it afresh; null otherwise. The check after opening catches
 * a link swapped in between.
 */
export async function openPlainFile(path: string): Promise<Deno.FsFile | null> {
  let before: Deno.FileInfo | null = null;
  try {
    before = await Deno.lstat(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (before && (!before.isFile || (before.nlink ?? 1) > 1)) return null;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(
      path,
      before ? { read: true, write: true } : {
        read: true,
        write: true,
        createNew: true,
      },
    );
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return null; // appeared meanwhile
    throw err;
  }
  const opened = await file.stat();
  const now = await Deno.lstat(path).catch(() => null);
  if (!now?.isFile || now.ino !== opened.ino || now.dev !== opened.dev || (opened.nlink ?? 1) > 1) {
    file.close();
    return null;
  }
  return file;
}
