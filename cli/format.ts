/**
 * Text formatting for the terminal: sizes, result lists, holder tables.
 * @module
 */
import type { Holder, SearchResult } from "../shared/protocol.ts";
import { humanBytes } from "../shared/text.ts";

/** ISO time → "2026-11-22 04:30:01" (UTC). */
export function shortTime(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}

/** Numbered list of results: name, size, number of sources, short hash. */
export function formatResults(results: SearchResult[]): string[] {
  const width = Math.min(48, Math.max(4, ...results.map((r) => r.name.length)));
  return results.map((r, i) => {
    const sources = `${r.peers.length} source${r.peers.length === 1 ? "" : "s"}`;
    const desc = r.description ? `  (${r.description})` : "";
    return `${String(i + 1).padStart(3)}. ${r.name.padEnd(width)}  ${
      humanBytes(r.size).padStart(9)
    }  ${sources.padEnd(10)}  ${r.sha256.slice(0, 12)}${desc}`;
  });
}

/**
 * Table of holders: Peer ID, host:port, shared at, ping, name; `selfId` is
 * marked "(you)", and a holder that is still downloading the file says so.
 */
export function formatHolders(peers: Holder[], selfId = 0): string[] {
  const rows = peers.map((p) => [
    p.id === selfId ? `${p.id} (you)` : String(p.id),
    `${p.host}:${p.port}`,
    shortTime(p.sharedAt),
    p.rttMs === undefined ? "?" : `${p.rttMs} ms`,
    p.partial ? `${p.name} (still downloading: some chunks)` : p.name,
  ]);
  const head = ["Peer ID", "Address", "Shared at (UTC)", "Ping", "Name"];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  return [head, ...rows].map((r) =>
    "  " + r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd()
  );
}
