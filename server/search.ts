/**
 * One search: the planner walks the index, and each file it offers counts
 * when its text matches (if the plan needs the check) and its variant has not
 * come up yet; the first limit + 1 such files become results. The request's
 * WorkBudget bounds the walk, the text checks and the results: when it runs
 * out, the reply holds what was found so far and is marked truncated. LIST
 * walks the files the same way.
 * Pure functions over the index; no I/O.
 * @module
 */
import type { SearchResult } from "../shared/protocol.ts";
import type { FileRecords } from "./file_records.ts";
import { matchesText } from "./record_text.ts";
import { contentResults, type FileTable, matchedResult } from "./results.ts";
import type { SearchPlanner } from "./search_planner.ts";
import { WorkBudget } from "./work_budget.ts";

/** Result page of a search or listing. */
export interface SearchPage {
  results: SearchResult[];
  /** True when more files matched than were returned, or the budget ran out before all were seen. */
  truncated: boolean;
}

/**
 * Files whose name or keywords contain every word of `query` (substrings,
 * case and diacritics ignored), one result per variant with its holders,
 * named as the file that matched. Files whose base name equals the whole
 * query come first.
 */
export function searchFiles(
  files: FileRecords,
  planner: SearchPlanner,
  table: FileTable,
  query: string,
  limit: number,
  budget = new WorkBudget(),
): SearchPage {
  if (limit <= 0) return { results: [], truncated: false };
  const plan = planner.plan(query, files.count, files.idLimit);
  if (!plan) return { results: [], truncated: false };
  try {
    const picked: number[] = [];
    // One result per variant: by variant for content held under several file ids,
    // by file id otherwise (an id comes up twice when the driver matches two of its tokens).
    const seenVariants = new Set<number>();
    const seenIds = new Set<number>();
    const accept = (id: number): boolean => {
      const r = files.record(id);
      if (!r) return true;
      if (plan.textCheck && !matchesText(r, plan.words, budget)) return budget.foldedChars >= 0;
      if (files.hasTwin(id)) {
        const variant = files.variantId(id);
        if (seenVariants.has(variant)) return true;
        seenVariants.add(variant);
      } else {
        if (seenIds.has(id)) return true;
        seenIds.add(id);
      }
      picked.push(id);
      return picked.length <= limit && budget.foldedChars >= 0;
    };
    planner.run(plan, files.withBaseName(plan.exact, budget), limit, accept, budget);
    const results: SearchResult[] = [];
    for (const id of picked.slice(0, limit)) {
      const result = matchedResult(table, id, files.hasTwin(id), budget);
      if (!result) break;
      results.push(result);
    }
    return { results, truncated: picked.length > results.length || budget.out };
  } finally {
    planner.finish(plan);
  }
}

/**
 * Up to `limit` distinct files (variants) by file id: oldest first, except
 * that the ids of removed files are used again. Each file id looked at is a
 * candidate of `budget`; truncated when it runs out.
 */
export function listFiles(
  files: FileRecords,
  table: FileTable,
  limit: number,
  budget: WorkBudget,
): SearchPage {
  const results: SearchResult[] = [];
  const seen = new Set<string>();
  for (const id of files.ids()) {
    if (--budget.candidates < 0) return { results, truncated: true };
    const sha = files.record(id)!.sha256;
    if (seen.has(sha)) continue;
    seen.add(sha);
    for (const result of contentResults(table, sha, limit - results.length + 1, budget)) {
      if (results.length === limit) return { results, truncated: true };
      results.push(result);
    }
    if (budget.out) return { results, truncated: true };
  }
  return { results, truncated: false };
}
