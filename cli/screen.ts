/**
 * The one way the CLI writes to the terminal, so that lines never run
 * together: a live progress line is ended before other output, a background
 * notice (the index server went away, the share changed) is printed above a
 * live line or a waiting question and the line or question is drawn again.
 * @module
 */
import { terminalSafe } from "../shared/text.ts";

const encoder = new TextEncoder();

/** Where a line goes. */
export type Stream = "out" | "err";

function write(stream: Stream, text: string): void {
  const bytes = encoder.encode(text);
  const target = stream === "out" ? Deno.stdout : Deno.stderr;
  for (let done = 0; done < bytes.length;) done += target.writeSync(bytes.subarray(done));
}

function isTerminal(stream: Stream): boolean {
  return (stream === "out" ? Deno.stdout : Deno.stderr).isTerminal();
}

const CLEAR_LINE = "\r\x1b[2K";

/** A progress line drawn in place (terminal only), not ended yet. */
let live: { stream: Stream; text: string } | null = null;
/** A question written without a line end, waiting for its answer. */
let question: string | null = null;

/** Prints a line of the program's own output (network text in it already made safe). */
export function say(text: string, stream: Stream = "out"): void {
  endLine();
  write(stream, `${text}\n`);
}

/**
 * Prints a background notice, made terminal-safe as a whole. A live progress
 * line or a waiting question is drawn again below it, so the notice never
 * lands inside either.
 */
export function notice(text: string, stream: Stream = "out"): void {
  const line = terminalSafe(text);
  if (live) {
    write(live.stream, CLEAR_LINE);
    write(stream, `${line}\n`);
    write(live.stream, live.text);
  } else if (question !== null) {
    write("out", isTerminal("out") ? CLEAR_LINE : "\n");
    write(stream, `${line}\n`);
    write("out", question);
  } else {
    write(stream, `${line}\n`);
  }
}

/** Draws `text` as the live line on `stream` when it is a terminal; returns whether it did. */
export function status(text: string, stream: Stream = "err"): boolean {
  if (!isTerminal(stream)) return false;
  if (question !== null) endLine();
  write(stream, `${CLEAR_LINE}${text}`);
  live = { stream, text };
  return true;
}

/** Ends a live line or a waiting question, so that what follows starts a line of its own. */
export function endLine(): void {
  if (live) {
    write(live.stream, "\n");
    live = null;
  }
  if (question !== null) {
    write("out", "\n");
    question = null;
  }
}

/** Writes a question (no line end) and remembers it until `answered()`. */
export function ask(text: string): void {
  endLine();
  write("out", text);
  question = text;
}

/** The question has its answer (the terminal ended the line when Enter was pressed). */
export function answered(): void {
  question = null;
}

/**
 * After Ctrl-C on a terminal: the terminal echoed "^C" where the cursor was,
 * so whatever follows starts a new line.
 */
export function interrupted(): void {
  if (live || question !== null) return endLine();
  if (Deno.stdin.isTerminal() && isTerminal("out")) write("out", "\n");
}
