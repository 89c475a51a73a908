/**
 * The last step of a download: the verified `.part` gets its final name,
 * without ever replacing a file or placing anything but the file that was
 * verified.
 * @module
 */
import { join } from "node:path";
import { SwapmeetError } from "../shared/errors.ts";
import { numberedName } from "../shared/file_names.ts";
import { type FileId, isFile } from "./plain_file.ts";

/**
 * Gives the verified `.part` file its final name: the first of `name`,
 * `name (1)`, … that does not exist yet. A hard link never replaces an
 * existing file (or link), so a race cannot overwrite one either. With `id`
 * (the `.part` as it was written and verified), the name must end up on that
 * very file: a `.part` swapped for another file or a link meanwhile is refused.
 */
export async function placeFile(
  partPath: string,
  dir: string,
  name: string,
  id?: FileId,
): Promise<string> {
  const swapped = () =>
    new SwapmeetError(`${partPath} was replaced while it downloaded: nothing placed`);
  const ours = async (path: string) => {
    const info = await Deno.lstat(path).catch(() => null);
    return info !== null && info.isFile && isFile(info, id);
  };
  if (!await ours(partPath)) throw swapped();
  for (let n = 0; n < 10_000; n++) {
    const target = join(dir, numberedName(name, n));
    try {
      await Deno.link(partPath, target);
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) continue;
      // File systems without hard links: check, then rename.
      if (await exists(target)) continue;
      await Deno.rename(partPath, target);
      if (!await ours(target)) throw swapped();
      return target;
    }
    if (!await ours(target)) {
      await Deno.remove(target); // the name is new: it was made just now, by this link
      throw swapped();
    }
    await Deno.remove(partPath);
    return target;
  }
  throw new SwapmeetError(`Too many files named like ${name} in ${dir}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
