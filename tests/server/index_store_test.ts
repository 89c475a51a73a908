import assert from "node:assert/strict";
import { IndexStore } from "../../server/index_store.ts";

import type { FileRecord } from "../../shared/protocol.ts";

function rec(name: string, description = "", shaSeed = name): FileRecord {
  let h = 0;
  for (const c of shaSeed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const sha256 = h.toString(16).padStart(8, "0").repeat(8);
  return {
    name,
    type: name.split(".").pop()!,
    size: shaSeed.length, // the same content has the same size
    mtime: 0,
    sha256,
    description,
    chunkSize: 1048576, // chunkSizeFor(size)
    chunkRoot: sha256,
  };
}

function names(store: IndexStore, query: string, limit = 100): string[] {
  return store.search(query, limit).results.map((r) => r.name);
}

const FIXED = new Date("2026-11-22T10:00:00.000Z");

Deno.test("search matches names and keywords by case-insensitive substrings of every word", async () => {
  const store = new IndexStore(() => FIXED);
  const p = store.addPeer({ host: "10.0.0.1", port: 4000 });
  await store.register(p.id, [
    rec("music/Blue Train.mp3", "jazz coltrane"),
    rec("docs/report.pdf", "physics homework"),
    rec("photo.png", "cat"),
  ]);
  assert.deepEqual(names(store, "train"), ["music/Blue Train.mp3"]);
  assert.deepEqual(names(store, "TRAIN blue"), ["music/Blue Train.mp3"]);
  assert.deepEqual(names(store, "COLTR"), ["music/Blue Train.mp3"], "keyword prefix");
  assert.deepEqual(names(store, "omewor"), ["docs/report.pdf"], "keyword infix");
  assert.deepEqual(names(store, "train.mp3"), ["music/Blue Train.mp3"], "word with punctuation");
  assert.deepEqual(
    names(store, "a").sort(),
    ["music/Blue Train.mp3", "photo.png"],
    "one-letter word",
  );
  assert.deepEqual(names(store, "train cat"), [], "every word must match");
  assert.deepEqual(names(store, "zebra"), []);
  assert.deepEqual(names(store, "   "), []);
  const hit = store.search("photo", 10).results[0];
  assert.deepEqual(hit.peers, [{
    id: 1,
    host: "10.0.0.1",
    port: 4000,
    sharedAt: FIXED.toISOString(),
    name: "photo.png",
  }]);
});

Deno.test("an exact name match ranks before substring matches", async () => {
  const store = new IndexStore();
  const p = store.addPeer({ host: "h", port: 1 });
  await store.register(p.id, [
    rec("song.mp3 remix.mp3"),
    rec("old song.mp3.bak"),
    rec("a/song.mp3"),
  ]);
  assert.equal(names(store, "song.mp3")[0], "a/song.mp3");
  assert.equal(names(store, "SONG.MP3").length, 3);
});

Deno.test("results are grouped by content hash with every holder, whatever its name", async () => {
  const store = new IndexStore();
  const a = store.addPeer({ host: "a", port: 1 });
  const b = store.addPeer({ host: "b", port: 2 });
  await store.register(a.id, [rec("holiday.jpg", "", "same")]);
  await store.register(b.id, [rec("IMG_0001.jpg", "beach", "same")]);
  const { results } = store.search("beach", 10);
  assert.equal(results.length, 1);
  assert.deepEqual(results[0].peers.map((p) => [p.id, p.name]), [[1, "holiday.jpg"], [
    2,
    "IMG_0001.jpg",
  ]]);
  assert.equal(store.locate(results[0].sha256)[0]?.peers.length, 2);
  await store.register(b.id, [rec("copy/IMG_0001.jpg", "", "same")]);
  assert.equal(
    store.locate(results[0].sha256)[0]?.peers.length,
    2,
    "a peer sharing it twice is one holder",
  );
});

Deno.test("removing a peer removes its files, tokens and holder entries at once", async () => {
  const store = new IndexStore();
  const a = store.addPeer({ host: "a", port: 1 });
  const b = store.addPeer({ host: "b", port: 2 });
  await store.register(a.id, [rec("x.txt", "unique"), rec("shared.txt", "", "s")]);
  await store.register(b.id, [rec("shared.txt", "", "s")]);
  assert.equal(await store.removePeer(a.id), 2);
  assert.deepEqual(names(store, "unique"), []);
  assert.deepEqual(store.search("shared", 10).results[0].peers.map((p) => p.id), [2]);
  assert.equal(store.fileCount, 1);
  assert.equal(store.getPeer(a.id), undefined);
  const c = store.addPeer({ host: "c", port: 3 });
  assert.equal(c.id, 3, "peer IDs are never reused");
});

Deno.test("registering a name again replaces the old record; unregister removes by name", async () => {
  const store = new IndexStore();
  const a = store.addPeer({ host: "a", port: 1 });
  await store.register(a.id, [rec("n.txt", "old words")]);
  await store.register(a.id, [rec("n.txt", "new words", "other content")]);
  assert.deepEqual(names(store, "old"), []);
  assert.deepEqual(names(store, "new"), ["n.txt"]);
  assert.deepEqual(await store.unregister(a.id, ["n.txt", "missing"]), { count: 1, total: 0 });
  assert.deepEqual(names(store, "new"), []);
});

Deno.test("the limit caps results and reports truncation", async () => {
  const store = new IndexStore();
  const p = store.addPeer({ host: "h", port: 1 });
  await store.register(p.id, Array.from({ length: 30 }, (_, i) => rec(`track${i}.ogg`)));
  const page = store.search("track", 10);
  assert.equal(page.results.length, 10);
  assert.equal(page.truncated, true);
  assert.equal(store.search("track", 30).truncated, false);
  assert.equal(store.list(5).results.length, 5);
  assert.equal(store.list(100).results.length, 30);
});

Deno.test("multi-word search intersects through the token index and still checks punctuation", async () => {
  const store = new IndexStore();
  const p = store.addPeer({ host: "h", port: 1 });
  const recs = Array.from(
    { length: 500 },
    (_, i) => rec(`common_${i % 7 === 0 ? "seven" : "other"}_${i}.mp3`),
  );
  await store.register(p.id, recs);
  assert.equal(store.search("common seven", 1000).results.length, 72);
  assert.equal(store.search("seven common mp3", 1000).results.length, 72);
  assert.deepEqual(names(store, "seven_49.mp3"), ["common_seven_49.mp3"]);
  assert.deepEqual(names(store, "n_49.m"), ["common_seven_49.mp3"], "punctuation spans tokens");
  assert.deepEqual(names(store, "other seven"), []);
  await store.removePeer(p.id);
  assert.equal(store.fileCount, 0);
  assert.equal(store.vocabularySize, 0, "every token went with the files");
});

for (
  const [label, hot] of [
    ["", {}],
    [", every term a cached bitset", { minCount: 1, minShare: 0, uses: 1, max: 64 }],
    [", cached bitsets built on a second use and often evicted", {
      minCount: 1,
      minShare: 0,
      uses: 2,
      max: 3,
    }],
  ] as const
) {
  Deno.test(`search agrees with a plain text scan through churn (ids and token ids reused)${label}`, async () => {
    await churnAgainstTextScan(new IndexStore(undefined, hot));
  });
}

async function churnAgainstTextScan(store: IndexStore): Promise<void> {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const vocab = ["ka", "kalo", "lomi", "mika", "ren", "torenka", "sa", "vel", "velsa", "q9"];
  const word = () => vocab[Math.floor(random() * vocab.length)];
  const peers = [1, 2, 3].map((i) => store.addPeer({ host: `h${i}`, port: i }).id);
  const live = new Map<string, FileRecord>(); // "peer/name" → record
  for (let round = 0; round < 60; round++) {
    const peer = peers[Math.floor(random() * peers.length)];
    if (random() < 0.3) {
      const mine = [...live.keys()].filter((k) => k.startsWith(`${peer}/`));
      const gone = mine.filter(() => random() < 0.5).map((k) => k.slice(k.indexOf("/") + 1));
      await store.unregister(peer, gone);
      for (const n of gone) live.delete(`${peer}/${n}`);
    } else {
      const batch = Array.from({ length: 1 + Math.floor(random() * 40) }, (_, i) => {
        const name = `${word()}_${word()}-${round}x${i}.${random() < 0.5 ? "mp3" : "txt"}`;
        // Some content is shared under several names and peers, so results must group it.
        return rec(name, `${word()} ${word()}`, random() < 0.3 ? word() : `${peer}/${name}`);
      });
      await store.register(peer, batch);
      for (const r of batch) live.set(`${peer}/${r.name}`, r);
    }
    // Each query twice: a bitset built by the first is used by the second.
    const queries = ["ka", "lo ren", "ka vel sa", "mika q9", "a_k", "torenka lomi velsa", "zz"];
    for (const q of [...queries, ...queries]) {
      const ws = q.split(" ");
      const expected = [
        ...new Set(
          [...live.values()]
            .filter((r) => ws.every((w) => `${r.name}\n${r.description}`.toLowerCase().includes(w)))
            .map((r) => r.sha256),
        ),
      ].sort();
      const results = store.search(q, 10_000).results;
      const got = results.map((r) => r.sha256).sort();
      assert.deepEqual(got, expected, `round ${round}, query ${q}`);
      for (const r of results) {
        const holders = [...live.entries()].filter(([, l]) => l.sha256 === r.sha256);
        const peersHolding = new Set(holders.map(([k]) => Number(k.split("/")[0])));
        assert.deepEqual(r.peers.map((h) => h.id), [...peersHolding].sort((a, b) => a - b));
      }
    }
  }
  assert.equal(store.fileCount, live.size);
}

Deno.test("term bitsets stay within their limit however many frequent terms are searched", async () => {
  const store = new IndexStore(undefined, { minCount: 1, minShare: 0, uses: 1, max: 2 });
  const peer = store.addPeer({ host: "h", port: 1 }).id;
  const words = Array.from({ length: 20 }, (_, i) => `w${i}x`);
  // Every word is in half the files, "zz" in a fifth: it drives, and the word filters.
  await store.register(
    peer,
    Array.from({ length: 500 }, (_, i) =>
      rec(
        `f${i}${i % 10 < 2 ? " zz" : ""}.txt`,
        words.filter((_, k) => (i + k) % 2 === 0).join(" "),
      )),
  );
  const bitsetBytes = ((store.fileCount >>> 5) + 1) * 4;
  for (let round = 0; round < 3; round++) {
    for (const w of words) {
      const results = store.search(`zz ${w}`, 1000).results;
      assert.equal(results.length, 50);
      assert.ok(results.every((r) => r.name.includes("zz") && r.description.includes(w)));
      assert.ok(store.termBitsetBytes <= 2 * bitsetBytes, `${store.termBitsetBytes} bytes`);
    }
  }
  assert.ok(store.termBitsetBytes > 0, "bitsets were built");
});
