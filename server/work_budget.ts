/**
 * What one SEARCH, LOCATE or LIST may cost the index, whatever it holds: the
 * candidates it examines, the characters it folds to check text, the holders
 * it gathers into results and the characters of the results. A request that
 * runs out stops where it is and answers what it has, marked truncated.
 * See docs/protocol.md section 3. A pure data structure; no I/O.
 * @module
 */
import { MAX_FRAME_BYTES } from "../shared/protocol.ts";

/** The budget of one request. */
export interface WorkLimits {
  /** Files examined: offered by the planner, found by exact name, or walked by LIST. */
  candidates: number;
  /**
   * Folding to check candidates' text, in ASCII characters' worth: one per
   * character of ASCII text, ten per character in and out of any other
   * (record_text.ts foldCost).
   */
  foldedChars: number;
  /** Holder entries in the results. */
  holders: number;
  /**
   * Characters of the results' strings: past a frame's worth the reply is cut
   * anyway (a character takes at least a byte; the reply encoded before it is
   * cut is then at most about 3 MiB).
   */
  replyChars: number;
}

/**
 * The defaults: each part costs at most about 10-20 ms on a 2-core laptop
 * (examining a candidate: 100-250 ns; folding: up to 1.5 ns an ASCII
 * character's worth; a holder entry: ~300 ns), and honest searches seldom
 * come near them.
 */
export const REQUEST_WORK: WorkLimits = {
  candidates: 100_000,
  foldedChars: 8_000_000,
  holders: 16_384, // a holder entry takes more than 64 bytes of JSON: no more fit in a frame
  replyChars: MAX_FRAME_BYTES,
};

/** What is left of one request's budget; `out` once any part ran out. */
export class WorkBudget {
  candidates: number;
  foldedChars: number;
  holders: number;
  replyChars: number;

  constructor(limits: WorkLimits = REQUEST_WORK) {
    this.candidates = limits.candidates;
    this.foldedChars = limits.foldedChars;
    this.holders = limits.holders;
    this.replyChars = limits.replyChars;
  }

  /** True when some part of the budget is spent. */
  get out(): boolean {
    return this.candidates < 0 || this.foldedChars < 0 || this.holders < 0 ||
      this.replyChars < 0;
  }
}
