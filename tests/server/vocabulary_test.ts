import assert from "node:assert/strict";
import { IndexStore } from "../../server/index_store.ts";
import { Vocabulary } from "../../server/vocabulary.ts";
import { record } from "./_records.ts";

/** vocab_fill.ts's words: fresh, 32 characters each. */
function freshWords(): () => string {
  let k = 0;
  return () => {
    const s = (k++).toString(36);
    return ("q" + s).padEnd(32, "x" + s);
  };
}

/** 1,200 records of 8 fresh words each, from `address` (as vocab_fill.ts registers them). */
async function fill(store: IndexStore, address: string, word: () => string): Promise<void> {
  const peer = store.addPeer({ host: address, port: 9, address });
  const files = Array.from({ length: 1_200 }, (_, i) =>
    record(`f${i}.bin`, {
      content: `${address} ${i}`,
      description: Array.from({ length: 8 }, word).join(" "),
    }));
  await store.register(peer.id, files);
}

Deno.test("vocab_fill: 17 addresses that spend all they may on new words leave a new file's words indexed", async () => {
  const store = new IndexStore();
  const word = freshWords();
  for (let a = 2; a <= 18; a++) await fill(store, `127.0.0.${a}`, word);
  const student = store.addPeer({ host: "10.0.0.5", port: 4000, address: "10.0.0.5" });
  await store.register(student.id, [
    record("thesis_draft_chapter3.docx", { description: "supervisor comments" }),
  ]);
  for (const q of ["thesis", "draft", "chapter3", "supervisor comments"]) {
    assert.equal(store.search(q, 10).results.length, 1, q);
  }
});

Deno.test("an address is charged only for its words still in the vocabulary: words that left are given back", async () => {
  const store = new IndexStore();
  const peer = store.addPeer({ host: "10.0.0.66", port: 1, address: "10.0.0.66" });
  await store.register(peer.id, [record("keep.txt")]);
  const word = freshWords();
  const spent = Array.from(
    { length: 1_200 },
    (_, i) => record(`g${i}.bin`, { description: Array.from({ length: 8 }, word).join(" ") }),
  );
  await store.register(peer.id, spent);
  assert.equal(store.search("zanzibar", 10).results.length, 0);
  await store.unregister(peer.id, spent.map((r) => r.name));
  assert.deepEqual(store.vocabularyOf("10.0.0.66").general, "keep.txt".length - 1, "keep, txt");
  await store.register(peer.id, [record("later.txt", { description: "zanzibar" })]);
  assert.equal(store.search("zanzibar", 10).results.length, 1, "its own later words are indexed");
});

Deno.test("when the general allowances are spent, up to 4 new words of a record's name still go in, from a reserve", async () => {
  // Small bounds: 4,000 characters in all, 1,000 of them for names only, 200 names' per address.
  const limits = { total: 4_000, nameReserve: 1_000, perAddressNames: 200 };
  const store = new IndexStore(undefined, undefined, limits);
  const perAddress = 500;
  const word = freshWords();
  // Six addresses each bring 500 characters (25 fresh 20-character words): the 3,000 all may use.
  for (let a = 1; a <= 6; a++) {
    const peer = store.addPeer({ host: `10.0.1.${a}`, port: 1, address: `10.0.1.${a}` });
    const files = Array.from({ length: 25 }, () => record(word().slice(0, 20)));
    await store.register(peer.id, files, { vocabularyPerAddress: perAddress });
  }
  assert.equal(store.vocabularyChars, 3_000);
  const student = store.addPeer({ host: "10.0.0.5", port: 4000, address: "10.0.0.5" });
  await store.register(student.id, [
    record("thesis_draft_chapter3_final_v2.odt", { description: "supervisor" }),
  ], { vocabularyPerAddress: perAddress });
  const found = (q: string) => store.search(q, 10).results.length === 1;
  assert.ok(found("thesis") && found("draft") && found("chapter3") && found("final"));
  assert.ok(!found("v2") && !found("supervisor"), "the fifth name word and the description: no");
  assert.deepEqual(store.vocabularyOf("10.0.0.5"), { general: 0, names: 24 });
  // The name allowance of one address is bounded too, and the whole never passes its bound.
  const many = store.addPeer({ host: "10.0.0.9", port: 1, address: "10.0.0.9" });
  const names = Array.from({ length: 100 }, (_, i) => record(`${word()}.odt`, { content: `${i}` }));
  await store.register(many.id, names, { vocabularyPerAddress: perAddress });
  assert.ok(store.vocabularyOf("10.0.0.9").names <= limits.perAddressNames);
  for (let a = 1; a <= 8; a++) {
    const peer = store.addPeer({ host: `10.0.2.${a}`, port: 1, address: `10.0.2.${a}` });
    const files = Array.from({ length: 20 }, (_, i) => record(word(), { content: `${a} ${i}` }));
    await store.register(peer.id, files, { vocabularyPerAddress: perAddress });
  }
  assert.ok(store.vocabularyChars <= limits.total, `${store.vocabularyChars} characters`);
});

Deno.test("Vocabulary: charges and gives back exactly, and forgets an address with nothing charged", () => {
  const v = new Vocabulary({
    total: 100,
    nameReserve: 20,
    perAddressNames: 10,
    recordChars: 1_000,
  });
  const admit = v.admit("a", 1, 30);
  const name = admit("n".repeat(12), 0);
  const general = admit("d".repeat(18), 1);
  assert.deepEqual(v.charged("a"), { general: 30, names: 0 });
  assert.equal(admit("e", 2), -1, "general allowance spent, and not a name word");
  const more = v.admit("a", 1, 30)("m".repeat(10), 0);
  assert.deepEqual(v.charged("a"), { general: 30, names: 10 });
  v.released(name, 12);
  v.released(general, 18);
  v.released(more, 10);
  assert.deepEqual(v.charged("a"), { general: 0, names: 0 });
  assert.equal(v.chars, 0);
});
