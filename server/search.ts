/**
 * One search: the planner walks the index, and each file it offers counts
 * when its text matches (if the plan needs the check) and its variant has not
 * come up yet; the first limit + 1 such files become results.
 * Pure functions over the index; no I/O.
 * @module
 */
import type { SearchResult } from "../shared/protocol.ts";
import type { FileRecords } from "./file_records.ts";
import { matchesText } from "./record_text.ts";
import { type FileTable, matchedResult, variantKey } from "./results.ts";
import type { SearchPlanner } from "./search_planner.ts";

/** Result page of a search or listing. */
export interface SearchPage {
  results: SearchResult[];
  /** True when more files matched than were returned. */
  truncated: boolean;
}

/**
 * Files whose name or keywords contain every word of `query` (substrings,
 * case and diacritics ignored), one result per variant with all its holders,
 * named as the file that matched. Files whose base name equals the whole
 * query come first.
 */
export function searchFiles(
  files: FileRecords,
  planner: SearchPlanner,
  table: FileTable,
  query: string,
  limit: number,
): SearchPage {
  if (limit <= 0) return { results: [], truncated: false };
  const plan = planner.plan(query, files.count, files.idLimit);
  if (!plan) return { results: [], truncated: false };
  try {
    const picked: number[] = [];
    // One result per variant: by key for content held under several file ids,
    // by id otherwise (an id comes up twice when the driver matches two of its tokens).
    const seen = new Set<string>();
    const seenIds = new Set<number>();
    const accept = (id: number): boolean => {
      const r = files.record(id);
      if (!r || (plan.textCheck && !matchesText(r, plan.words))) return true;
      if (files.hasTwin(id)) {
        const key = variantKey(r);
        if (seen.has(key)) return true;
        seen.add(key);
      } else {
        if (seenIds.has(id)) return true;
        seenIds.add(id);
      }
      picked.push(id);
      return picked.length <= limit;
    };
    planner.run(plan, files.withBaseName(plan.exact), limit, accept);
    return {
      results: picked.slice(0, limit).map((id) => matchedResult(table, id, files.hasTwin(id))),
      truncated: picked.length > limit,
    };
  } finally {
    planner.finish(plan);
  }
}
