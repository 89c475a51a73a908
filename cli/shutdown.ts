/**
 * Runs a clean-up once on Ctrl-C or SIGTERM, then exits.
 * @module
 */
import * as screen from "./screen.ts";

/**
 * A signal this soon after the first is the same Ctrl-C delivered twice: under
 * `deno task`, the terminal sends SIGINT to the whole foreground process group
 * and the task runner forwards its own copy to the child, about 1 ms apart.
 */
export const REPEAT_WINDOW_MS = 1_000;

/**
 * Calls `cleanup` on the first SIGINT or SIGTERM, then exits with the code it
 * returns (0 by default; 1 if it throws). A second signal more than
 * REPEAT_WINDOW_MS later leaves at once (exit 130).
 * @example
 * onShutdown(async () => await peer.close());
 */
export function onShutdown(cleanup: (signal: string) => Promise<number | void>): void {
  let startedAt: number | null = null;
  const handler = (signal: string) => () => {
    if (signal === "SIGINT" && interrupt.take()) return;
    if (startedAt !== null) {
      if (performance.now() - startedAt < REPEAT_WINDOW_MS) return;
      Deno.exit(130); // a second Ctrl-C: leave at once
    }
    startedAt = performance.now();
    if (signal === "SIGINT") screen.interrupted();
    else screen.endLine();
    cleanup(signal).then((code) => Deno.exit(code ?? 0), (err) => {
      screen.say(`error: ${(err as Error).message}`, "err");
      Deno.exit(1);
    });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, handler(signal));
    } catch {
      // signal not supported on this platform (SIGTERM on Windows)
    }
  }
}

/** The work Ctrl-C stops instead of the program, while it runs (see interruptible). */
const interrupt = {
  current: null as AbortController | null,
  /** When the last Ctrl-C stopped such work (its echo under `deno task` is ignored too). */
  at: -Infinity,
  /** True when this SIGINT was for the work under way (or an echo of that one). */
  take(): boolean {
    if (performance.now() - this.at < REPEAT_WINDOW_MS) return true;
    if (!this.current) return false;
    this.at = performance.now();
    this.current.abort();
    this.current = null;
    screen.interrupted();
    return true;
  },
};

/**
 * Runs `work` so that Ctrl-C stops it (its signal aborts) rather than the
 * program: the menu uses it for a download, to come back to the menu. SIGTERM
 * still stops everything.
 * @example
 * await interruptible((signal) => peer.download(file, { signal }));
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  interrupt.current = controller;
  try {
    return await work(controller.signal);
  } finally {
    if (interrupt.current === controller) interrupt.current = null;
  }
}
