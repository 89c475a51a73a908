/**
 * Which holders a download may use, in which order, and how their failures
 * are told. Every listed holder is a candidate (up to MAX_CANDIDATES): the
 * download uses a few at once and replaces each that fails with the next, so
 * dead or lying holders ranked ahead cannot keep it from an honest one.
 * Pure functions; no I/O.
 * @module
 */
import { SwapmeetError } from "../shared/errors.ts";
import type { Holder, SearchResult } from "../shared/protocol.ts";
import { plural } from "../shared/text.ts";

/** Holders of one result a download tries, at most (an index lists at most 100). */
export const MAX_CANDIDATES = 100;

/** Holders' reasons named in one error line, at most (the others are counted). */
const NAMED_FAILURES = 8;

/**
 * The holders of `file` to try, best first: those the index confirmed
 * answering before the others (`unproven`), complete holders before those
 * still downloading it. Within each, the fastest (by the index's heartbeat
 * round trip) and the longest-held (the index lists those first) take turns:
 * a ping is easy to fake, and newcomers that answer fast but serve nothing
 * must not crowd out the holders that were there before them. With
 * `peerId`, that holder only. Throws when there is none.
 */
export function candidatesOf(file: SearchResult, peerId?: number): Holder[] {
  const holders = peerId === undefined ? file.peers : file.peers.filter((p) => p.id === peerId);
  if (holders.length === 0) {
    throw new SwapmeetError(
      peerId === undefined
        ? `Nobody holds ${file.name} any more`
        : `Peer ${peerId} does not hold ${file.name}`,
    );
  }
  const kind = (h: Holder) => (h.unproven ? 2 : 0) + (h.partial ? 1 : 0);
  const out: Holder[] = [];
  for (let k = 0; k < 4; k++) {
    const listed = holders.filter((h) => kind(h) === k); // the index's order: longest-held first
    const fastest = [...listed].sort((a, b) => (a.rttMs ?? 1e8) - (b.rttMs ?? 1e8));
    const seen = new Set<Holder>();
    for (let i = 0; seen.size < listed.length; i++) {
      for (const h of [fastest[i], listed[i]]) {
        if (!h || seen.has(h)) continue;
        seen.add(h);
        out.push(h);
      }
    }
  }
  return out.slice(0, MAX_CANDIDATES);
}

/**
 * `candidates` for the chunk fetch once `from` gave the chunk list: `from`
 * first, then the others in their order, less those that already failed.
 */
export function afterChunkList(
  candidates: readonly Holder[],
  from: Holder,
  failed: ReadonlySet<Holder>,
): Holder[] {
  return [from, ...candidates.filter((h) => h !== from && !failed.has(h))];
}

/** One holder's failure reason, as holderFailures lists it: "peer 3 (10.0.0.3:4000): why". */
export function holderFailure(h: Holder, why: string): string {
  return `peer ${h.id} (${h.host}:${h.port}): ${why}`;
}

/** Holders' failure reasons as one line: the first few, then how many more. */
export function holderFailures(reasons: readonly string[]): string {
  const named = reasons.slice(0, NAMED_FAILURES).join("; ");
  const more = reasons.length - NAMED_FAILURES;
  return more > 0 ? `${named}; and ${plural(more, "other holder")} failed` : named;
}
