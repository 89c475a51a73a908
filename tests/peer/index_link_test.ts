import assert from "node:assert/strict";
import { backoffDelay } from "../../peer/index_link.ts";

Deno.test("reconnect back-off doubles from the first wait up to the cap, with ±20 % jitter", () => {
  const mid = () => 0.5; // jitter factor 1.0
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1_000, 30_000, mid)),
    [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000],
  );
  assert.equal(backoffDelay(0, 1_000, 30_000, () => 0), 800);
  assert.equal(backoffDelay(0, 1_000, 30_000, () => 1), 1_200);
  assert.equal(backoffDelay(1_000, 1_000, 30_000, mid), 30_000, "no overflow after many attempts");
});
