import assert from "node:assert/strict";
import { IndexStore } from "../../server/index_store.ts";
import { DEFAULT_VOCABULARY_PER_ADDRESS, VOCABULARY_LIMITS } from "../../server/vocabulary.ts";
import {
  fold,
  MAX_INDEXED_CHARS,
  MAX_TOKEN_CHARS,
  MAX_TOKENS_PER_RECORD,
  recordTokens,
} from "../../server/record_text.ts";
import { worstCaseRecords } from "../../bench/worst_case.ts";
import { record } from "./_records.ts";

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}x`);

Deno.test("a record is indexed under at most 64 words of at most 32 characters, from 1,024 folded characters", () => {
  const many = recordTokens(record(`${words(50, "n").join(" ")}.txt`, {
    description: words(50, "d").join(" "),
  }));
  assert.equal(many.length, MAX_TOKENS_PER_RECORD);
  assert.deepEqual(many.slice(0, 3), ["n0x", "n1x", "n2x"], "the name's words first");
  const long = recordTokens(record(`${"ab".repeat(40)}.txt`));
  assert.deepEqual(long, ["ab".repeat(MAX_TOKEN_CHARS / 2), "txt"]);
  // U+FDFA folds to 18 characters: what is indexed is counted after folding.
  const expanded = record(`${"\ufdfa".repeat(300)} tail.txt`);
  assert.ok(fold(expanded.name).length > 5_000);
  assert.ok(!recordTokens(expanded).includes("tail"), "past the first 1,024 folded characters");
  assert.ok(recordTokens(record(`${"x ".repeat(MAX_INDEXED_CHARS / 2 - 3)}tail`)).includes("tail"));
});

Deno.test("a word longer than 32 characters is found by its first 32, and as a whole through the text", async () => {
  const store = new IndexStore();
  const peer = store.addPeer({ host: "h", port: 1 });
  const word = `${"q".repeat(35)}zz`;
  await store.register(peer.id, [record(`${word}.bin`), record(`${"q".repeat(36)}.bin`)]);
  assert.equal(store.search("q".repeat(32), 10).results.length, 2);
  assert.deepEqual(store.search(word, 10).results.map((r) => r.name), [`${word}.bin`]);
  assert.equal(
    store.search("qqzz", 10).results.length,
    0,
    "the tail of a long word is not indexed",
  );
});

Deno.test("a record adds at most 32 words (256 characters) to the vocabulary; words others have are always indexed", async () => {
  const store = new IndexStore();
  const a = store.addPeer({ host: "a", port: 1 });
  const b = store.addPeer({ host: "b", port: 2 });
  const fresh = words(40, "w");
  await store.register(a.id, [record("known.txt", { description: "w35x" })]);
  await store.register(b.id, [record("mine.txt", { description: fresh.join(" ") })]);
  const found = (w: string) => store.search(w, 10).results.some((r) => r.name === "mine.txt");
  // "mine" and "txt" (known) come first: 31 of the 40 new words fit the budget.
  assert.equal(VOCABULARY_LIMITS.recordTokens, 32);
  assert.ok(found("w0x") && found("w30x"));
  assert.ok(!found("w31x") && !found("w39x"), "past the budget");
  assert.ok(found("w35x"), "a word already in the vocabulary costs nothing new");
  const chars = store.vocabularySize;
  await store.register(b.id, [
    record("long.txt", { description: words(10, "y".repeat(28)).join(" ") }),
  ]);
  assert.equal(
    store.vocabularySize - chars,
    1 + 8,
    "long, then eight 30-31 character words: 256 characters",
  );
});

Deno.test("a large REGISTER and a departure let timers run between their slices", async () => {
  const store = new IndexStore();
  const peer = store.addPeer({ host: "h", port: 2 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  try {
    await store.register(peer.id, worstCaseRecords(400, 3));
    assert.ok(ticks >= 2, `${ticks} timer turns while registering`);
    ticks = 0;
    await store.removePeer(peer.id);
    assert.ok(ticks >= 2, `${ticks} timer turns while leaving`);
  } finally {
    clearInterval(timer);
  }
  assert.equal(store.fileCount, 0);
  assert.equal(store.vocabularySize, 0);
});

Deno.test("a peer that leaves in the middle of its REGISTER leaves nothing behind", async () => {
  const store = new IndexStore();
  const stay = store.addPeer({ host: "s", port: 1 });
  await store.register(stay.id, [record("stay.txt")]);
  const peer = store.addPeer({ host: "h", port: 2 });
  const registering = store.register(peer.id, worstCaseRecords(600, 3));
  await new Promise((r) => setTimeout(r, 0));
  assert.ok(
    store.fileCount > 1 && store.fileCount < 601,
    "a search between slices sees part of it",
  );
  await Promise.all([store.removePeer(peer.id), registering]);
  assert.equal(store.getPeer(peer.id), undefined);
  assert.equal(store.fileCount, 1);
  assert.equal(store.vocabularySize, 2);
  assert.equal(store.filesFrom("h"), 0);
  assert.equal(store.filesAndPromised, 1, "nothing stays promised");
  assert.deepEqual(store.search("stay", 10).results.map((r) => r.name), ["stay.txt"]);
  // Freed ids are used again cleanly.
  const again = store.addPeer({ host: "h", port: 3 });
  await store.register(again.id, worstCaseRecords(50, 4));
  assert.equal(store.fileCount, 51);
  assert.equal(store.list(100).results.length, 51);
});

Deno.test("one address brings at most 64 KiB of new words (and 16 KiB of name words); another address still can; leaving gives the budget back", async () => {
  const store = new IndexStore();
  const greedy = store.addPeer({ host: "10.0.0.66", port: 1, address: "10.0.0.66" });
  // 1,200 records of 8 unique 30-character words each: 288,000 characters, more than the budget.
  const garbage = Array.from({ length: 1_200 }, (_, i) =>
    record(`g${i}.bin`, {
      description: Array.from({ length: 8 }, (_, k) => `${i}z${k}`.padEnd(30, "q")).join(" "),
    }));
  await store.register(greedy.id, garbage);
  assert.equal(store.fileCount, 1_200, "every record is kept; only its new words may go unindexed");
  const most = DEFAULT_VOCABULARY_PER_ADDRESS + VOCABULARY_LIMITS.perAddressNames;
  assert.ok(store.vocabularyChars <= most, `vocabulary ${store.vocabularyChars} characters`);
  assert.equal(store.search("1199z7", 10).results.length, 0, "past the budget");
  assert.equal(store.search("g1199", 10).results.length, 1, "the names' words are indexed");
  const other = store.addPeer({ host: "10.0.0.7", port: 2, address: "10.0.0.7" });
  await store.register(other.id, [record("honest.txt", { description: "marimba xylophone" })]);
  assert.equal(store.search("xylophone", 10).results.length, 1, "another address still adds words");
  await store.removePeer(greedy.id);
  assert.ok(store.vocabularyChars < 100, "the greedy address's words left with it");
  assert.deepEqual(store.vocabularyOf("10.0.0.66"), { general: 0, names: 0 });
  const back = store.addPeer({ host: "10.0.0.66", port: 3, address: "10.0.0.66" });
  await store.register(back.id, [record("again.txt", { description: "zanzibar" })]);
  assert.equal(store.search("zanzibar", 10).results.length, 1, "its budget is whole again");
});
