/**
 * Menu questions that are asked again until the answer works. At the end of
 * input (piped answers that ran out) a question takes its default, unless
 * something has already failed: then that failure ends the program, so that
 * a script never loops on the same wrong default.
 * @module
 */
import { SwapmeetError } from "../shared/errors.ts";
import { parsePort, UsageError } from "./args.ts";
import type { LineSource } from "./line_reader.ts";
import * as screen from "./screen.ts";

/**
 * Asks with a default in brackets; Enter gives the default. `problem` is the
 * last failure ("" when none), thrown when input has ended.
 * @example
 * const host = await ask(lines, "Index server host", "127.0.0.1", "");
 */
export async function ask(
  lines: LineSource,
  question: string,
  fallback: string,
  problem: string,
): Promise<string> {
  const answer = await lines.ask(`${question} [${fallback}]: `);
  if (answer === null && problem !== "") throw new SwapmeetError(problem);
  const text = answer?.trim() ?? "";
  return text === "" ? fallback : text;
}

/** Asks for a port number until the answer is one (0 only when `allowZero`). */
export async function askPort(
  lines: LineSource,
  question: string,
  fallback: string,
  problem: string,
  allowZero = true,
): Promise<number> {
  for (;;) {
    const answer = await ask(lines, question, fallback, problem);
    try {
      return parsePort(answer, "The port", allowZero);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problem = err.message;
      screen.say(`${problem}; try again.`);
    }
  }
}

/** Asks a yes/no question until the answer is one (Enter: `fallback`). */
export async function askYesNo(
  lines: LineSource,
  question: string,
  fallback: "y" | "n",
): Promise<boolean> {
  for (;;) {
    const answer = (await ask(lines, `${question} (y/n)`, fallback, "")).toLowerCase();
    if (["y", "yes"].includes(answer)) return true;
    if (["n", "no"].includes(answer)) return false;
    screen.say(`Please answer y or n.`);
  }
}
