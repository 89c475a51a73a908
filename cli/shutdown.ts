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
