/**
 * Reads lines from standard input, on a terminal and from a pipe alike
 * (`prompt()` returns null when stdin is not a terminal, so it is not used).
 * @module
 */
import * as screen from "./screen.ts";

/** Something that answers questions line by line. */
export interface LineSource {
  /** Prints `question` (no newline) and returns the next line, or null at end of input. */
  ask(question: string): Promise<string | null>;
}

/** Reads lines from a byte reader (Deno.stdin by default). */
export class LineReader implements LineSource {
  readonly #reader: { read(p: Uint8Array): Promise<number | null> };
  readonly #decoder = new TextDecoder();
  #buffer = "";
  #eof = false;

  constructor(reader: { read(p: Uint8Array): Promise<number | null> } = Deno.stdin) {
    this.#reader = reader;
  }

  /** The next line without its line ending, or null at end of input. */
  async readLine(): Promise<string | null> {
    const chunk = new Uint8Array(4096);
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl).replace(/\r$/, "");
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      if (this.#eof) {
        if (this.#buffer === "") return null;
        const last = this.#buffer;
        this.#buffer = "";
        return last;
      }
      const n = await this.#reader.read(chunk);
      if (n === null) {
        this.#eof = true;
        this.#buffer += this.#decoder.decode();
      } else {
        this.#buffer += this.#decoder.decode(chunk.subarray(0, n), { stream: true });
      }
    }
  }

  async ask(question: string): Promise<string | null> {
    screen.ask(question);
    const line = await this.readLine();
    screen.answered();
    // When input is piped, echo the answer so the transcript reads like a session.
    if (!Deno.stdin.isTerminal()) screen.say(line ?? "");
    return line;
  }
}

/** Asks with a default shown in brackets; an empty answer or end of input gives the default. */
export async function askWithDefault(
  lines: LineSource,
  question: string,
  fallback: string,
): Promise<string> {
  const answer = await lines.ask(`${question} [${fallback}]: `);
  const trimmed = answer?.trim() ?? "";
  return trimmed === "" ? fallback : trimmed;
}
