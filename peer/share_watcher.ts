/**
 * Watches a share folder and calls back, debounced, when files are added,
 * changed or removed, so the index reflects the folder within about a second.
 * @module
 */
import { relative, sep } from "node:path";
import { isIgnored } from "./share_folder.ts";

/** A running watcher. */
export interface ShareWatcher {
  close(): Promise<void>;
}

/**
 * Calls `onChange` once things settle (`debounceMs` after the last event).
 * Runs never overlap; events during a run cause one more run after it.
 */
export function watchShare(
  root: string,
  onChange: () => Promise<void>,
  debounceMs = 300,
): ShareWatcher {
  const watcher = Deno.watchFs(root, { recursive: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;

  const run = () => {
    timer = undefined;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = onChange().catch(() => {}).finally(() => {
      running = null;
      if (again && !closed) {
        again = false;
        timer = setTimeout(run, debounceMs);
      }
    });
  };

  const loop = (async () => {
    try {
      for await (const event of watcher) {
        const relevant = event.paths.some((p) => {
          const rel = relative(root, p).split(sep).join("/");
          return rel !== "" && !rel.startsWith("..") && !isIgnored(rel);
        });
        if (!relevant) continue;
        clearTimeout(timer);
        timer = setTimeout(run, debounceMs);
      }
    } catch {
      // watcher closed
    }
  })();

  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
      await loop;
      await running;
    },
  };
}
