import assert from "node:assert/strict";

import { tokenize } from "../../server/record_text.ts";
import { TokenIndex } from "../../server/token_index.ts";

Deno.test("tokenize splits on anything but letters and digits, lower-cased", () => {
  assert.deepEqual(tokenize("My_Song-2 (Live).MP3"), ["my", "song", "2", "live", "mp3"]);
  assert.deepEqual(tokenize("Café—Déjà vu"), ["café", "déjà", "vu"]);
  assert.deepEqual(tokenize("..."), []);
});

Deno.test("the token index finds tokens by substring and drops emptied ones", () => {
  const idx = new TokenIndex();
  for (let i = 0; i < 1000; i++) idx.add(i, ["common", `name${i}`]);
  idx.add(5000, ["common", "rare"]);
  assert.equal(idx.posting("common")?.length, 1001);
  assert.deepEqual([...idx.tokensContaining("rar")], ["rare"]);
  assert.deepEqual([...idx.tokensContaining("are")], ["rare"]);
  assert.equal([...idx.tokensContaining("name99")].length, 11, "name99 and name990..name999");
  idx.remove([5000, 3]);
  assert.equal(idx.posting("common")?.length, 999);
  assert.equal(idx.posting("rare"), undefined);
  assert.deepEqual([...idx.tokensContaining("rar")], []);
  assert.equal(idx.posting("name3"), undefined, "a removed file takes its only tokens along");
  assert.equal(idx.vocabularySize, 1000);
});
