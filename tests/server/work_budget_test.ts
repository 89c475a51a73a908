import assert from "node:assert/strict";
import { IndexStore } from "../../server/index_store.ts";
import { foldCost } from "../../server/record_text.ts";
import { REQUEST_WORK, WorkBudget, type WorkLimits } from "../../server/work_budget.ts";
import { record } from "./_records.ts";

const budget = (limits: Partial<WorkLimits>) => new WorkBudget({ ...REQUEST_WORK, ...limits });

Deno.test("a SEARCH, LOCATE or LIST that runs out of its budget answers what it found, truncated", async () => {
  const store = new IndexStore();
  const peer = store.addPeer({ host: "10.0.0.1", port: 4000 });
  // "alpha.beta" spans punctuation: every candidate's text is folded and checked.
  await store.register(
    peer.id,
    Array.from({ length: 300 }, (_, i) => record(`doc${i}.txt`, { description: "alpha.beta" })),
  );
  const whole = store.search("alpha.beta", 1000);
  assert.deepEqual([whole.results.length, whole.truncated], [300, false]);
  const page = (p: { results: unknown[]; truncated: boolean }) => [p.results.length, p.truncated];
  assert.deepEqual(page(store.search("alpha.beta", 1000, budget({ candidates: 100 }))), [
    100,
    true,
  ]);
  // Each record folds "docN.txt" and "alpha.beta": 17 to 19 ASCII characters.
  const folded = store.search("alpha.beta", 1000, budget({ foldedChars: 200 }));
  assert.ok(folded.truncated && folded.results.length <= 12, `${folded.results.length} results`);
  assert.deepEqual(page(store.search("alpha.beta", 1000, budget({ holders: 5 }))), [5, true]);
  const bytes = store.search("alpha.beta", 1000, budget({ replyChars: 1000 }));
  assert.ok(bytes.truncated && bytes.results.length < 50, `${bytes.results.length} results`);
  assert.deepEqual(page(store.list(1000, budget({ candidates: 50 }))), [50, true]);
  assert.deepEqual(page(store.list(1000)), [300, false]);
  const sha = record("doc7.txt").sha256;
  assert.equal(store.locate(sha).length, 1);
  assert.equal(store.locate(sha, 10, budget({ holders: 0 })).length, 0);
});

Deno.test("folding is charged by what it costs: ASCII text its length, other text ten times its length in and out", () => {
  assert.equal(foldCost("Report.PDF", "report.pdf"), 10);
  assert.equal(foldCost("é", "e"), 20);
  assert.equal(foldCost("\ufdfa", "صلى الله عليه وسلم"), 10 * 19);
});
