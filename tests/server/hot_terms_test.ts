import assert from "node:assert/strict";
import { HotTerms } from "../../server/hot_terms.ts";
import type { TermMatch } from "../../server/token_index.ts";

/** A term matching `ids` at index version 1. */
function term(ids: number[]): TermMatch {
  return {
    tokens: [0],
    postings: [{ ids: Int32Array.from(ids), length: ids.length }],
    count: ids.length,
    version: 1,
  };
}

function bitsOf(set: Uint32Array): number[] {
  const out: number[] = [];
  for (let id = 0; id < set.length * 32; id++) if (set[id >>> 5] & (1 << (id & 31))) out.push(id);
  return out;
}

Deno.test("a term bitset holds exactly the term's files", () => {
  const hot = new HotTerms({ minCount: 1, minShare: 0, uses: 1, max: 4 });
  const bits = hot.bits(term([3, 40, 41, 99]), 100, 100);
  assert.ok(bits);
  assert.deepEqual(bitsOf(bits), [3, 40, 41, 99]);
});

Deno.test("terms used now and then do not push out the bitset of a term used all the time", () => {
  const hot = new HotTerms({ minCount: 1, minShare: 0, uses: 1, max: 1 });
  const common = term([1, 2, 3]);
  for (let i = 0; i < 5; i++) assert.ok(hot.bits(common, 10, 10));
  const kept = hot.bits(common, 10, 10);
  // Other terms come in between, each used twice: none is as hot as `common`.
  for (let k = 0; k < 20; k++) {
    const other = term([k % 10]);
    assert.equal(hot.bits(other, 10, 10), null, `term ${k} got the only bitset`);
    assert.equal(hot.bits(other, 10, 10), null);
    assert.equal(hot.bits(common, 10, 10), kept, "the common term's bitset was rebuilt");
  }
  assert.equal(hot.bits(common, 10, 10), kept, "the common term's bitset was rebuilt");
  // A term used more than `common` takes its place, in the same buffer.
  const rising = term([7]);
  let bits: Uint32Array | null = null;
  for (let i = 0; i < 40 && !bits; i++) bits = hot.bits(rising, 10, 10);
  assert.ok(bits, "a hotter term never got a bitset");
  assert.equal(bits.buffer, kept!.buffer, "the buffer was not reused");
  assert.deepEqual(bitsOf(bits), [7]);
  assert.equal(hot.bytes, bits.byteLength);
});

Deno.test("a bitset the search still holds is not refilled for a hotter term of the same search", () => {
  const hot = new HotTerms({ minCount: 1, minShare: 0, uses: 1, max: 1 });
  const first = hot.bits(term([1, 2]), 10, 10);
  assert.ok(first);
  const hotter = term([5]);
  for (let i = 0; i < 5; i++) assert.equal(hot.bits(hotter, 10, 10, [first]), null);
  assert.deepEqual(bitsOf(first), [1, 2]);
  assert.deepEqual(
    bitsOf(hot.bits(hotter, 10, 10)!),
    [5],
    "once released, the hotter term gets it",
  );
});
