/**
 * The message for a port another program holds, in the words of where the
 * port was given: a flag (`--port`) or a menu question.
 * @module
 */
import { SwapmeetError } from "../shared/errors.ts";

/** What the port is for, as the message says it. */
export type PortUse = "serve files" | "listen";

/**
 * A SwapmeetError naming the port and what to do when `err` says the address
 * is in use; null for any other error.
 */
export function portInUse(
  err: unknown,
  use: PortUse,
  address: string,
  askedBy: "flag" | "menu",
): SwapmeetError | null {
  if (!(err instanceof Deno.errors.AddrInUse)) return null;
  const what = use === "listen" ? "another index server or program" : "another peer or program";
  const fix = askedBy === "flag"
    ? "choose another with --port P, or --port 0 for any free port"
    : "type another port, or 0 for any free port";
  return new SwapmeetError(`Cannot ${use} on ${address}: ${what} is using that port; ${fix}`);
}
