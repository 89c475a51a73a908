/**
 * The state file of a download in progress, `NAME.part.json`: which file it
 * is for, its chunk list, and which chunks are verified or only written.
 * Written atomically (a fresh temp file, then rename) and never through a
 * symbolic link; a missing, damaged or foreign state reads as none.
 * @module
 */
import { chunkRoot, decodeChunkBitmap, encodeChunkBitmap } from "../shared/chunks.ts";
import { ownedHere } from "./plain_file.ts";

/** What identifies the file being downloaded. */
export interface PartTarget {
  sha256: string;
  size: number;
  chunkSize: number;
  /** SHA-256 over the chunk hashes, as registered with the index. */
  chunkRoot: string;
}

/** The state of a download, as kept between runs. */
export interface PartState {
  target: PartTarget;
  /** The chunk list fetched for `target.chunkRoot`, when fetched. */
  hashes: string[] | null;
  /** Chunks whose SHA-256 matched the list. */
  done: Uint8Array;
  /** Chunks written but not yet checked (one source: checked with the whole file). */
  written: Uint8Array;
}

/** The chunk list and chunk records a download starts with. */
export type KeptState = Pick<PartState, "hashes" | "done" | "written">;

interface StateFile {
  version: 2;
  sha256: string;
  size: number;
  chunkSize: number;
  chunkRoot: string;
  hashes: string[] | null;
  done: string;
  written: string;
}

/**
 * Reads the state at `path` for a download of `count` chunks; null when it is
 * missing, damaged, not a regular file, another user's (ownedHere), or
 * another version.
 */
export async function readPartState(path: string, count: number): Promise<PartState | null> {
  try {
    const info = await Deno.lstat(path);
    if (!info.isFile || info.size > 4 * 1024 * 1024 || !ownedHere(info)) return null;
    const s = JSON.parse(await Deno.readTextFile(path)) as Partial<StateFile>;
    if (
      s?.version !== 2 || typeof s.sha256 !== "string" || typeof s.chunkRoot !== "string" ||
      !Number.isSafeInteger(s.size) || !Number.isSafeInteger(s.chunkSize) ||
      typeof s.done !== "string" || typeof s.written !== "string"
    ) return null;
    const hashes = Array.isArray(s.hashes) && s.hashes.length === count &&
        s.hashes.every((h) => typeof h === "string" && /^[0-9a-f]{64}$/.test(h))
      ? s.hashes
      : null;
    return {
      target: { sha256: s.sha256, size: s.size!, chunkSize: s.chunkSize!, chunkRoot: s.chunkRoot },
      hashes,
      done: decodeChunkBitmap(s.done, count),
      written: decodeChunkBitmap(s.written, count),
    };
  } catch {
    return null;
  }
}

/**
 * Writes the state to `path`: into `PATH.tmp` created afresh (a link or
 * leftover there is removed first, never written through), then renamed over
 * `path` (rename replaces a link rather than following it). The temp file
 * does not outlive a failed write.
 */
export async function writePartState(path: string, state: PartState): Promise<void> {
  const file: StateFile = {
    version: 2,
    ...state.target,
    hashes: state.hashes,
    done: encodeChunkBitmap(state.done),
    written: encodeChunkBitmap(state.written),
  };
  const tmp = `${path}.tmp`;
  await Deno.remove(tmp).catch(() => {});
  try {
    await Deno.writeTextFile(tmp, JSON.stringify(file), { createNew: true, mode: 0o644 });
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/** Removes the state file and any temp file beside it. */
export async function removePartState(path: string): Promise<void> {
  await Deno.remove(path).catch(() => {});
  await Deno.remove(`${path}.tmp`).catch(() => {});
}

/**
 * What a download keeps of its saved state: all of it when the chunk list is
 * for the same chunk root (and still hashes to it); otherwise no list, and
 * every chunk on record becomes "written", to be checked against the new list.
 */
export function keptState(
  state: PartState | null,
  target: PartTarget,
  count: number,
): KeptState {
  const empty = () => new Uint8Array(Math.ceil(count / 8));
  if (!state) return { hashes: null, done: empty(), written: empty() };
  if (
    state.hashes !== null && state.target.chunkRoot === target.chunkRoot &&
    chunkRoot(state.hashes) === target.chunkRoot
  ) return state;
  const written = empty();
  for (let b = 0; b < written.length; b++) written[b] = state.done[b] | state.written[b];
  return { hashes: null, done: empty(), written };
}
