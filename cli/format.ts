/**
 * Text formatting for the terminal: result lists and holder tables. Every
 * field that came from the network (names, descriptions, hosts, times) goes
 * through terminalSafe here, before it is measured or padded.
 * @module
 */
import type { Holder, SearchResult } from "../shared/protocol.ts";
import { humanBytes, plural, terminalSafe } from "../shared/text.ts";

/** ISO time from the network → "2026-11-22 04:30:01" (UTC). */
export function shortTime(iso: string): string {
  return terminalSafe(iso.replace("T", " ").replace(/\.\d+Z$|Z$/, ""));
}

/** Other names the same content goes by, when the server lists them (`names`). */
export function otherNames(result: SearchResult): string[] {
  const names = (result as SearchResult & { names?: unknown }).names;
  if (!Array.isArray(names)) return [];
  return names.filter((n): n is string => typeof n === "string" && n !== result.name);
}

/** Numbered list of results: name, size, number of sources, short hash, keywords. */
export function formatResults(results: SearchResult[], selfId = 0): string[] {
  const names = results.map((r) => terminalSafe(r.name));
  const width = Math.min(48, Math.max(4, ...names.map((n) => n.length)));
  return results.map((r, i) => {
    const mine = selfId > 0 && r.peers.length > 0 && r.peers.every((p) => p.id === selfId);
    const sources = mine ? "only you" : plural(r.peers.length, "source");
    const desc = r.description ? `  (${terminalSafe(r.description)})` : "";
    const also = otherNames(r);
    const aka = also.length > 0 ? `  also named ${also.map(terminalSafe).join(", ")}` : "";
    return `${String(i + 1).padStart(3)}. ${names[i].padEnd(width)}  ${
      humanBytes(r.size).padStart(9)
    }  ${sources.padEnd(10)}  ${r.sha256.slice(0, 12)}${desc}${aka}`;
  });
}

/** Said of a holder whose file server the index could not reach when it joined. */
const UNPROVEN = "(the index could not reach it)";

/** One line per holder, indented under its result: ID, host:port, shared at, ping, name. */
export function formatHolderLines(result: SearchResult, selfId = 0): string[] {
  return result.peers.map((p) => {
    const id = p.id === selfId ? `${p.id} (you)` : String(p.id);
    const ping = p.rttMs === undefined ? "" : `  ping ${p.rttMs} ms`;
    const as = p.name === result.name ? "" : `  as ${terminalSafe(p.name)}`;
    const partial = p.partial ? "  (still downloading: some chunks)" : "";
    return `       peer ${id}  ${terminalSafe(`${p.host}:${p.port}`)}  shared ${
      shortTime(p.sharedAt)
    } UTC${ping}${as}${partial}${p.unproven ? `  ${UNPROVEN}` : ""}`;
  });
}

/** Results, each followed by its holders (the `search` command and the menu alike). */
export function formatResultsWithHolders(results: SearchResult[], selfId = 0): string[] {
  const heads = formatResults(results, selfId);
  return results.flatMap((r, i) => [heads[i], ...formatHolderLines(r, selfId)]);
}

/**
 * Table of holders: Peer ID, host:port, shared at, ping, name; `selfId` is
 * marked "(you)", and a holder that is still downloading the file says so.
 */
export function formatHolders(peers: Holder[], selfId = 0): string[] {
  const rows = peers.map((p) => [
    p.id === selfId ? `${p.id} (you)` : String(p.id),
    terminalSafe(`${p.host}:${p.port}`),
    shortTime(p.sharedAt),
    p.rttMs === undefined ? "?" : `${p.rttMs} ms`,
    terminalSafe(p.name) + (p.partial ? " (still downloading: some chunks)" : "") +
    (p.unproven ? ` ${UNPROVEN}` : ""),
  ]);
  const head = ["Peer ID", "Address", "Shared at (UTC)", "Ping", "Name"];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  return [head, ...rows].map((r) =>
    "  " + r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd()
  );
}

/** `--json` output: JSON whose strings carry no raw C1 or bidi characters (JSON escapes C0). */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
