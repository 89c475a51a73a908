import assert from "node:assert/strict";
import { IndexStore } from "../../server/index_store.ts";
import { MAX_HOLDERS, MAX_OTHER_NAMES } from "../../server/results.ts";
import { record } from "./_records.ts";

/** A store with one peer per entry of `shares`, registered in order. */
async function storeWith(...shares: ReturnType<typeof record>[][]): Promise<IndexStore> {
  const store = new IndexStore();
  for (const [i, files] of shares.entries()) {
    const peer = store.addPeer({ host: `10.0.0.${i + 1}`, port: 4000 + i });
    await store.register(peer.id, files);
  }
  return store;
}

Deno.test("a result shows the name that matched and lists the other names; holders keep their own", async () => {
  const store = await storeWith(
    [record("lecture.mp3", { content: "same bytes" })],
    [record("talk.mp3", { content: "same bytes" })],
  );
  for (
    const [query, name, other] of [["talk", "talk.mp3", "lecture.mp3"], [
      "lecture",
      "lecture.mp3",
      "talk.mp3",
    ]]
  ) {
    const { results } = store.search(query, 10);
    assert.equal(results.length, 1, query);
    assert.equal(results[0].name, name, query);
    assert.deepEqual(results[0].names, [other], query);
    assert.deepEqual(results[0].peers.map((p) => [p.id, p.name]), [[1, "lecture.mp3"], [
      2,
      "talk.mp3",
    ]]);
  }
  const only = await storeWith([record("solo.txt")]);
  assert.equal(only.search("solo", 10).results[0].names, undefined, "no other names: no field");
});

Deno.test("after a holder renames a file, searching the new name shows the new name", async () => {
  const store = new IndexStore();
  const a = store.addPeer({ host: "a", port: 1 });
  const b = store.addPeer({ host: "b", port: 2 });
  await store.register(a.id, [record("guitar_tabs.txt", { content: "tabs" })]);
  await store.register(b.id, [record("downloads/guitar_tabs.txt", { content: "tabs" })]);
  await store.unregister(a.id, ["guitar_tabs.txt"]);
  await store.register(a.id, [record("ukulele_tabs.txt", { content: "tabs" })]);
  const hit = store.search("ukulele", 10).results[0];
  assert.equal(hit.name, "ukulele_tabs.txt");
  assert.deepEqual(hit.names, ["downloads/guitar_tabs.txt"]);
});

Deno.test("LOCATE and LIST name a file as most of its holders do", async () => {
  const bytes = { content: "popular" };
  const store = await storeWith(
    [record("odd_one.mp3", bytes)],
    [record("song.mp3", bytes)],
    [record("music/song.mp3", bytes), record("song.mp3", bytes)],
    [record("song.mp3", bytes)],
  );
  const [hit] = store.locate(record("x", bytes).sha256);
  assert.equal(hit.name, "song.mp3");
  assert.deepEqual(hit.names, ["odd_one.mp3", "music/song.mp3"]);
  assert.deepEqual(hit.peers.map((p) => p.id), [1, 2, 3, 4], "one entry per peer");
  assert.deepEqual(store.list(10).results, [hit]);
});

Deno.test("other names are capped", async () => {
  const bytes = { content: "x" };
  const store = await storeWith(
    Array.from({ length: 20 }, (_, i) => record(`copy${i}.bin`, bytes)),
  );
  const hit = store.search("copy7", 10).results[0];
  assert.equal(hit.name, "copy7.bin");
  assert.equal(hit.names?.length, MAX_OTHER_NAMES);
  assert.ok(!hit.names?.includes("copy7.bin"));
});

Deno.test("holders of one hash that disagree on size or chunk root are separate results", async () => {
  const honest = record("report.pdf", { content: "report" });
  const store = await storeWith(
    [{ ...honest, chunkRoot: "f".repeat(64) }], // first, with a bogus chunk root
    [{ ...honest, size: honest.size + 1, chunkSize: honest.chunkSize }], // a byte too large
    [honest],
    [{ ...honest, name: "copy of report.pdf" }],
  );
  const results = store.search("report", 10).results;
  assert.equal(results.length, 3);
  const good = results.find((r) => r.chunkRoot === honest.chunkRoot && r.size === honest.size)!;
  assert.deepEqual(good.peers.map((p) => p.id), [3, 4]);
  const variants = store.locate(honest.sha256);
  assert.deepEqual(variants.map((v) => v.peers.length), [2, 1, 1], "most holders first");
  assert.equal(variants[0].chunkRoot, honest.chunkRoot);
  assert.deepEqual(
    variants.slice(1).map((v) => v.peers[0].id),
    [1, 2],
    "then in order of registration",
  );
});

Deno.test("search ignores case and diacritics in names, keywords and queries", async () => {
  const store = await storeWith([
    record("Café del Mar.mp3", { description: "Ibiza CHILL" }),
    record("cafe racer.txt"),
    record("Cafe\u0301 Noir.flac"), // é as e + combining acute
    record("ﬁnal_report.pdf"), // the "fi" ligature
    record("jalapeño.jpg", { description: "Straße" }),
  ]);
  const names = (q: string) => store.search(q, 10).results.map((r) => r.name).sort();
  const cafes = ["Cafe\u0301 Noir.flac", "Café del Mar.mp3", "cafe racer.txt"];
  assert.deepEqual(names("cafe"), cafes);
  assert.deepEqual(names("café"), cafes);
  assert.deepEqual(names("CAFÉ"), cafes);
  assert.deepEqual(names("ibiza chill"), ["Café del Mar.mp3"]);
  assert.deepEqual(names("final"), ["ﬁnal_report.pdf"]);
  assert.deepEqual(names("JALAPENO"), ["jalapeño.jpg"]);
  assert.deepEqual(names("strasse"), [], "ß is a letter of its own, not a diacritic");
  assert.deepEqual(names("straße"), ["jalapeño.jpg"]);
  assert.deepEqual(names("cafe.mp3"), [], "punctuation still counts");
  assert.deepEqual(names("mar.mp3"), ["Café del Mar.mp3"]);
});

Deno.test("the exact-name ranking folds like the search", async () => {
  const store = await storeWith([
    record("my café.txt notes.txt"),
    record("old/MY CAFE.TXT"),
    record("my café.txt.bak"),
  ]);
  assert.equal(store.search("my cafe.txt", 10).results[0].name, "old/MY CAFE.TXT");
  assert.equal(store.search("MY CAFÉ.TXT", 10).results[0].name, "old/MY CAFE.TXT");
  assert.equal(store.search("my café.txt", 10).results.length, 3);
});

Deno.test("a result lists at most 100 holders, one per peer: a peer's many copies neither crowd others out nor cost more", async () => {
  const bytes = { content: "popular" };
  const store = new IndexStore();
  const hoarder = store.addPeer({ host: "10.0.0.1", port: 4000 });
  await store.register(
    hoarder.id,
    Array.from({ length: 5_000 }, (_, i) => record(`copy${i}.bin`, bytes)),
  );
  for (let p = 0; p < 150; p++) {
    const peer = store.addPeer({ host: `10.0.1.${p}`, port: 4000 });
    await store.register(peer.id, [record(`song${p}.mp3`, bytes)]);
  }
  const late = store.search("song149", 10).results[0];
  assert.equal(late.peers.length, MAX_HOLDERS);
  assert.equal(MAX_HOLDERS, 100);
  assert.ok(
    late.peers.some((p) => p.id === 151 && p.name === "song149.mp3"),
    "the one that matched",
  );
  assert.deepEqual(
    late.peers.slice(0, 3).map((p) => [p.id, p.name]),
    [[1, "copy0.bin"], [2, "song0.mp3"], [3, "song1.mp3"]],
    "then those that have held it longest, one entry each",
  );
  const [hit] = store.locate(record("x", bytes).sha256);
  assert.equal(hit.peers.length, MAX_HOLDERS);
  assert.equal(new Set(hit.peers.map((p) => p.id)).size, MAX_HOLDERS);
  assert.equal(hit.names?.length, MAX_OTHER_NAMES);
});

Deno.test("holders whose file server did not answer are listed after those that did: 150 registered first keep none off the list", async () => {
  const bytes = { content: "eclipsed" };
  const store = new IndexStore();
  for (let p = 0; p < 150; p++) {
    const fake = store.addPeer({ host: "10.0.9.9", port: 9 + p, unproven: true });
    await store.register(fake.id, [record("big.bin", bytes)]);
  }
  const honest = store.addPeer({ host: "10.0.0.2", port: 4000 });
  await store.register(honest.id, [record("big.bin", bytes)]);
  const other = store.addPeer({ host: "10.0.0.3", port: 4000 });
  await store.register(other.id, [record("big_copy.bin", bytes)]);
  for (
    const hit of [store.locate(record("x", bytes).sha256)[0], store.search("big", 10).results[0]]
  ) {
    assert.equal(hit.peers.length, MAX_HOLDERS);
    const proven = hit.peers.filter((p) => !p.unproven).map((p) => p.id);
    assert.deepEqual(proven.sort((a, b) => a - b), [honest.id, other.id], "both listed");
    assert.equal(hit.peers.filter((p) => p.unproven).length, MAX_HOLDERS - 2);
  }
  // Leaving and coming back keeps the order right; the last proven one leaving leaves the rest.
  await store.removePeer(honest.id);
  await store.removePeer(other.id);
  const [left] = store.locate(record("x", bytes).sha256);
  assert.equal(left.peers.length, MAX_HOLDERS);
  assert.ok(left.peers.every((p) => p.unproven));
  for (let id = 1; id <= 149; id++) await store.removePeer(id);
  const [last] = store.locate(record("x", bytes).sha256);
  assert.deepEqual(last.peers.map((p) => [p.id, p.unproven]), [[150, true]]);
});
