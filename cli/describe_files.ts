/**
 * Offers to write a share folder's files.json (keywords for each file) when
 * it has none.
 * @module
 */
import { join } from "node:path";
import {
  DESCRIPTIONS_FILE,
  listShareFiles,
  openShareFolder,
  writeDescriptions,
} from "../peer/share_folder.ts";
import { plural } from "../shared/text.ts";
import type { LineSource } from "./line_reader.ts";
import { askYesNo } from "./questions.ts";
import * as screen from "./screen.ts";

/**
 * When a share folder has no files.json, offers to write one, asking a
 * description for each file. Returns true when it wrote one.
 * @example
 * await offerDescriptions("testing_files", new LineReader());
 */
export async function offerDescriptions(dir: string, lines: LineSource): Promise<boolean> {
  const root = await openShareFolder(dir);
  try {
    await Deno.stat(join(root, DESCRIPTIONS_FILE));
    return false;
  } catch {
    // missing: offer to create it
  }
  const files = listShareFiles(root);
  if (files.length === 0) return false;
  const describe = await askYesNo(
    lines,
    `${root} has no ${DESCRIPTIONS_FILE}. Describe its ${plural(files.length, "file")} now?`,
    "n",
  );
  if (!describe) return false;
  const descriptions = new Map<string, string>();
  for (const f of files) {
    descriptions.set(f.name, (await lines.ask(`Keywords for ${f.name}: `))?.trim() ?? "");
  }
  await writeDescriptions(root, descriptions);
  screen.say(`Wrote ${join(root, DESCRIPTIONS_FILE)}.`);
  return true;
}
