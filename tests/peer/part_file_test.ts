import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { PartFile } from "../../peer/part_file.ts";
import { placeFile } from "../../peer/place_file.ts";
import { chunkRoot } from "../../shared/chunks.ts";
import { canMount, randomBytes, smallDisk, tempDir } from "../_helpers.ts";

const MiB = 1024 * 1024;
const CONTENT = randomBytes(3 * MiB, 121);
const HASHES = [0, 1, 2].map((i) =>
  createHash("sha256").update(CONTENT.subarray(i * MiB, (i + 1) * MiB)).digest("hex")
);
const TARGET = {
  sha256: createHash("sha256").update(CONTENT).digest("hex"),
  size: CONTENT.length,
  chunkSize: MiB,
  chunkRoot: chunkRoot(HASHES),
};
const chunk = (i: number) => CONTENT.slice(i * MiB, (i + 1) * MiB);

Deno.test("a chunk written unverified is neither counted verified nor served until checked", async () => {
  await using dir = await tempDir();
  const part = await PartFile.open(dir.path, "f.bin", TARGET);
  part.hashes = HASHES;
  await part.writeChunk(0, chunk(0), false);
  const wrong = chunk(1);
  wrong[5] ^= 1;
  await part.writeChunk(1, wrong, false);
  await part.writeChunk(2, chunk(2), true);
  assert.equal(part.presentCount, 3);
  assert.equal(part.doneCount, 1);
  assert.ok(!part.covers(0, 10), "chunk 0 is not offered before its check");
  assert.ok(part.covers(2 * MiB, 10));
  assert.deepEqual(await part.check(), [1], "chunk 1 fails its check");
  assert.ok(part.covers(0, 10));
  assert.equal(part.doneCount, 2);
  assert.equal(part.presentCount, 2, "the failed chunk is wanted again");
  await part.close("keep");
});

Deno.test("resuming with another chunk root drops the saved list and checks the chunks again", async () => {
  await using dir = await tempDir();
  const bogus = [HASHES[0], HASHES[1], "f".repeat(64)];
  const first = await PartFile.open(dir.path, "f.bin", { ...TARGET, chunkRoot: chunkRoot(bogus) });
  first.hashes = bogus;
  await first.writeChunk(0, chunk(0), true);
  await first.writeChunk(1, chunk(1), true);
  await first.close("keep");

  const same = await PartFile.open(dir.path, "f.bin", { ...TARGET, chunkRoot: chunkRoot(bogus) });
  assert.deepEqual(same.hashes, bogus, "the same root keeps its list");
  assert.equal(same.doneCount, 2);
  await same.close("keep");

  const other = await PartFile.open(dir.path, "f.bin", TARGET);
  assert.equal(other.hashes, null, "another root: the list is fetched again");
  assert.equal(other.doneCount, 0);
  assert.equal(other.resumedChunks, 2, "the chunks stay, to be checked");
  other.hashes = HASHES;
  assert.deepEqual(await other.check(true), []);
  assert.equal(other.doneCount, 2);
  await other.close("discard");
});

Deno.test("a .part that is a symbolic or hard link, or a folder, is left alone", async () => {
  await using dir = await tempDir({ "victim.txt": "keep me" });
  const victim = join(dir.path, "victim.txt");
  for (const plant of ["symlink", "hardlink", "folder"] as const) {
    const at = join(dir.path, `${plant}.bin.part`);
    if (plant === "symlink") await Deno.symlink(victim, at);
    if (plant === "hardlink") await Deno.link(victim, at);
    if (plant === "folder") await Deno.mkdir(at);
    const part = await PartFile.open(dir.path, `${plant}.bin`, TARGET);
    assert.equal(part.partPath, join(dir.path, `${plant}.bin.${TARGET.sha256.slice(0, 8)}.part`));
    await part.writeChunk(0, chunk(0), true);
    await part.close("discard");
  }
  assert.equal(await Deno.readTextFile(victim), "keep me");
});

Deno.test("a .part another user owns, or others may write, is left alone; so is their state file", async () => {
  await using dir = await tempDir();
  // As root the test can plant a file of another user (nobody); anyone can plant a writable one.
  const spoil = async (path: string, how: string) => {
    if (how === "writable") await Deno.chmod(path, 0o666);
    else await Deno.chown(path, 65534, 65534);
  };
  for (const how of ["writable", ...(Deno.uid() === 0 ? ["owned"] : [])]) {
    const at = join(dir.path, `${how}.bin.part`);
    await Deno.writeFile(at, new Uint8Array(0));
    await spoil(at, how);
    const part = await PartFile.open(dir.path, `${how}.bin`, TARGET);
    assert.equal(part.partPath, join(dir.path, `${how}.bin.${TARGET.sha256.slice(0, 8)}.part`));
    assert.equal((await Deno.stat(part.partPath)).mode! & 0o022, 0, "ours: writable by us alone");
    await part.close("discard");

    // A state file alone, saying every chunk is verified: not believed.
    const state = join(dir.path, `${how}-state.bin.part.json`);
    const claim = { version: 2, ...TARGET, hashes: HASHES, done: "Bw==", written: "Bw==" };
    await Deno.writeTextFile(state, JSON.stringify(claim));
    await spoil(state, how);
    const fresh = await PartFile.open(dir.path, `${how}-state.bin`, TARGET);
    assert.equal(fresh.isDone(0), false, `${how}: another's state is not ours`);
    await fresh.close("discard");
  }
});

Deno.test("a finished download leaves no state file, even with a save of it under way", async () => {
  await using dir = await tempDir();
  for (let round = 0; round < 30; round++) {
    const part = await PartFile.open(dir.path, `f${round}.bin`, TARGET);
    for (const i of [0, 1, 2]) await part.writeChunk(i, chunk(i), true);
    // Saves under way as the end comes (the periodic one, and the one after a chunk list).
    const saving = [0, 1, 2, 3].map(() => part.saveState().catch(() => {}));
    await new Promise((r) => setTimeout(r, round % 3)); // the end comes at various points
    await part.close("done");
    await Promise.all(saving);
    const left = [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) =>
      n.includes(".json")
    );
    assert.deepEqual(left, [], `round ${round}`);
    await Deno.remove(part.partPath);
  }
});

Deno.test("a link planted at the state's temp file is removed, not written through", async () => {
  await using dir = await tempDir({ "victim.txt": "keep me" });
  const victim = join(dir.path, "victim.txt");
  await Deno.symlink(victim, join(dir.path, "f.bin.part.json.tmp"));
  const part = await PartFile.open(dir.path, "f.bin", TARGET);
  part.hashes = HASHES;
  await part.saveState();
  assert.equal(await Deno.readTextFile(victim), "keep me");
  assert.ok((await Deno.lstat(join(dir.path, "f.bin.part.json"))).isFile);
  await part.close("discard");
});

Deno.test({
  name: "a state file that cannot be written on a full disk leaves no temp file behind",
  ignore: !canMount(),
  async fn() {
    await using disk = await smallDisk(MiB + 64 * 1024);
    const part = await PartFile.open(disk.path, "f.bin", TARGET);
    part.hashes = HASHES;
    await part.writeChunk(0, chunk(0), true);
    // Fill what is left, so the state (with its 3 hashes) cannot be written.
    const filler = await Deno.open(join(disk.path, "filler"), { write: true, create: true });
    const block = new Uint8Array(4096);
    try {
      for (;;) await filler.write(block);
    } catch { /* full */ }
    filler.close();
    await assert.rejects(part.saveState(), /No space left on device/);
    const names = [...Deno.readDirSync(disk.path)].map((e) => e.name);
    assert.ok(!names.some((n) => n.endsWith(".tmp")), names.join(", "));
    await part.close("keep");
    assert.ok(![...Deno.readDirSync(disk.path)].some((e) => e.name.endsWith(".tmp")));
  },
});

Deno.test("a .part swapped for another file after it was written is not placed", async () => {
  await using dir = await tempDir();
  const part = await PartFile.open(dir.path, "f.bin", TARGET);
  part.hashes = HASHES;
  for (let i = 0; i < 3; i++) await part.writeChunk(i, chunk(i), true);
  const id = part.fileId;
  await part.close("done");
  // Someone with write access to the folder moves it aside and puts their own bytes there.
  await Deno.rename(part.partPath, `${part.partPath}.aside`);
  await Deno.writeTextFile(part.partPath, "ATTACKER BYTES");
  await assert.rejects(placeFile(part.partPath, dir.path, "f.bin", id), /was replaced/);
  assert.ok(!(await Deno.stat(join(dir.path, "f.bin")).catch(() => null)), "nothing placed");
  await Deno.remove(part.partPath);
  await Deno.symlink(`${part.partPath}.aside`, part.partPath);
  await assert.rejects(placeFile(part.partPath, dir.path, "f.bin", id), /was replaced/);
  assert.ok(!(await Deno.lstat(join(dir.path, "f.bin")).catch(() => null)), "no link placed");
});
