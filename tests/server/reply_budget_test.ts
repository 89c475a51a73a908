import assert from "node:assert/strict";
import { ReplyBudget, SMALL_REPLY_BYTES } from "../../server/reply_budget.ts";

const KiB = 1024;

Deno.test("the reply budget gives each address what is left of its share and of the total, never less than a small reply", () => {
  const budget = new ReplyBudget({ total: 1000 * KiB, perAddress: 400 * KiB });
  assert.equal(budget.room("10.0.0.1"), 400 * KiB);
  budget.take("10.0.0.1", 300 * KiB);
  assert.equal(budget.room("10.0.0.1"), 100 * KiB, "its own share");
  assert.equal(budget.room("10.0.0.2"), 400 * KiB, "another address is not charged for it");
  budget.take("10.0.0.2", 400 * KiB);
  budget.take("10.0.0.3", 250 * KiB);
  assert.equal(budget.held, 950 * KiB);
  assert.equal(budget.room("10.0.0.4"), 50 * KiB, "what is left of the total");
  budget.take("10.0.0.2", 200 * KiB); // a reply cut to the floor is counted all the same
  assert.equal(budget.room("10.0.0.2"), SMALL_REPLY_BYTES, "past both caps: the floor");
  assert.equal(budget.room("10.0.0.4"), SMALL_REPLY_BYTES);
  for (const [address, bytes] of [["10.0.0.1", 300], ["10.0.0.2", 600], ["10.0.0.3", 250]]) {
    budget.give(address as string, (bytes as number) * KiB);
  }
  assert.equal(budget.held, 0);
  assert.deepEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3"].map((a) => budget.heldFor(a)), [0, 0, 0]);
  assert.equal(budget.room("10.0.0.2"), 400 * KiB);
});
