import assert from "node:assert/strict";

import { FileTokens } from "../../server/file_tokens.ts";

Deno.test("the forward index keeps every file's tokens through growth and compaction", () => {
  const fwd = new FileTokens();
  const expected = new Map<number, number[]>();
  for (let round = 0; round < 50; round++) {
    for (let f = 0; f < 300; f++) {
      if ((f + round) % 3 === 0) {
        fwd.delete(f);
        expected.delete(f);
      } else if ((f * 7 + round) % 5 === 0) {
        const tokens = Array.from({ length: 1 + ((f + round) % 9) }, (_, i) => f * 100 + i + round);
        fwd.set(f, tokens);
        expected.set(f, tokens);
      }
    }
  }
  for (let f = 0; f < 300; f++) {
    assert.deepEqual([...fwd.get(f)], expected.get(f) ?? [], `file ${f}`);
  }
  const marks = new Uint32Array(40_000);
  const [file, tokens] = [...expected][0];
  marks[tokens[0]] = 1;
  marks[tokens.at(-1)!] |= 2;
  assert.equal(fwd.covers(file, marks, 3), true);
  assert.equal(fwd.covers(file, marks, 7), false);
});
