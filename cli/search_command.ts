/**
 * `swapmeet search WORDS...`: prints the files that match, with their holders.
 * @module
 */
import { terminalSafe } from "../shared/text.ts";
import { parseCount, UsageError } from "./args.ts";
import { formatResultsWithHolders, safeJson } from "./format.ts";
import { type CommandSpec, networkSettings, parseCommand } from "./options.ts";
import * as screen from "./screen.ts";

/** The search command's flags and help. */
export const SEARCH: CommandSpec = {
  name: "search",
  args: "WORDS...",
  brief: ["server", "json", "limit"],
  about: `Searches file names and keywords on the network. Every word must appear.
Exit code 0 when something matched, 1 when nothing did.`,
  flags: ["server", "network", "secret-file", "secret", "json", "limit"],
};

/**
 * Runs `swapmeet search WORDS...`; 0 when something matched, 1 when nothing did.
 * @example
 * await searchCommand(["lecture", "notes", "--limit", "5"]);
 */
export async function searchCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(SEARCH, args);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const query = positionals.join(" ").trim();
  if (query === "") {
    throw new UsageError("search needs at least one word (see: swapmeet search --help)");
  }
  const limit = values.limit === undefined ? undefined : parseCount(values.limit, "--limit");
  const { choice, secret, identity } = await networkSettings(values);
  const client = await choice.connect({ secret, identity });
  try {
    const { results, truncated } = await client.search(query, limit);
    if (values.json) screen.say(safeJson(results));
    else if (results.length > 0) screen.say(formatResultsWithHolders(results).join("\n"));
    if (results.length === 0) {
      const none = truncated
        ? `The index stopped looking before it found a file matching "${
          terminalSafe(query)
        }": add words.`
        : `No files match "${terminalSafe(query)}".`;
      if (!values.json) screen.say(none, "err");
      return 1;
    }
    if (truncated) {
      const more = values.limit === undefined ? "--limit N" : `--limit (now ${limit})`;
      screen.say(
        `More files match than the ${results.length} shown: raise ${more} or add words.`,
        "err",
      );
    }
    return 0;
  } finally {
    await client.bye();
  }
}
