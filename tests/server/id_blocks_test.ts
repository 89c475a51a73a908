import assert from "node:assert/strict";
import { IdBlocks } from "../../server/id_blocks.ts";

Deno.test("peer ID blocks are given out in order, first taken first, until cleared", () => {
  const ids = new IdBlocks();
  assert.equal(ids.take(), undefined);
  ids.add(65, 67);
  ids.add(200, 200);
  ids.add(5, 4); // empty
  assert.equal(ids.left, 4);
  assert.deepEqual([ids.take(), ids.take(), ids.take(), ids.take(), ids.take()], [
    65,
    66,
    67,
    200,
    undefined,
  ]);
  ids.add(1, 10);
  ids.clear();
  assert.equal(ids.left, 0);
  assert.equal(ids.take(), undefined);
});
