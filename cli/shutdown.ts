/**
 * Runs a clean-up once on Ctrl-C or SIGTERM, then exits.
 * @module
 */

/** Calls `cleanup` on the first SIGINT or SIGTERM, then exits 0 (1 if cleanup throws). */
export function onShutdown(cleanup: (signal: string) => Promise<void>): void {
  let started = false;
  const handler = (signal: string) => () => {
    if (started) Deno.exit(130); // a second Ctrl-C: leave at once
    started = true;
    cleanup(signal).then(() => Deno.exit(0), (err) => {
      console.error(`error: ${(err as Error).message}`);
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
