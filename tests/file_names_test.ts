import assert from "node:assert/strict";
import { join, resolve, sep } from "node:path";
import { downloadFile } from "../peer/downloader.ts";
import { Peer } from "../peer/peer.ts";
import { scanShare } from "../peer/share_folder.ts";
import { isValidSharedName, numberedName, safeFileName } from "../shared/file_names.ts";
import { sha256Hex, tempDir, testServer } from "./_helpers.ts";

const HOSTILE: [string, string][] = [
  ["../../etc/passwd", "passwd"],
  ["/etc/shadow", "shadow"],
  ["..\\..\\windows\\system32\\evil.dll", "evil.dll"],
  ["C:\\Users\\x\\boot.ini", "boot.ini"],
  ["..", "fallback.bin"],
  [".", "fallback.bin"],
  ["", "fallback.bin"],
  ["a/b/", "fallback.bin"],
  ["bad\u0000name.txt", "badname.txt"],
  ["bell\u0007\u001b[31mred.txt", "bell[31mred.txt"],
  ["new\nline.txt", "newline.txt"],
  ["invoice\u202Etxt.exe", "invoicetxt.exe"],
  ["\u2066isolate\u2069d\u202Atext\u202C.txt", "isolatedtext.txt"],
  [".bashrc", "bashrc"],
  ["...hidden", "hidden"],
  ['what?<>:"|*.txt', "what_______.txt"],
  ["x".repeat(300) + ".mp3", "x".repeat(196) + ".mp3"],
  ["song.mp3", "song.mp3"],
  ["Café déjà vu.ogg", "Café déjà vu.ogg"],
];

Deno.test("names from the network become one safe file name inside the output folder", async (t) => {
  const out = resolve("/tmp/swapmeet-out");
  for (const [hostile, expected] of HOSTILE) {
    await t.step(JSON.stringify(hostile).slice(0, 40), () => {
      const safe = safeFileName(hostile, "fallback.bin");
      assert.equal(safe, expected);
      assert.ok(resolve(join(out, safe)).startsWith(out + sep), `${safe} stays inside`);
      // deno-lint-ignore no-control-regex
      assert.ok(!safe.includes("/") && !safe.includes("\\") && !/[\u0000-\u001f]/.test(safe));
    });
  }
});

Deno.test("isValidSharedName accepts relative names and refuses escapes", () => {
  for (const ok of ["a.txt", "music/jazz/a.mp3", "Ünïcode/ファイル.txt", "a..b.txt"]) {
    assert.ok(isValidSharedName(ok), ok);
  }
  for (
    const bad of [
      "",
      "/abs",
      "../x",
      "a/../b",
      "a//b",
      "a/./b",
      "a\\b",
      "nul\u0000",
      "x".repeat(1025),
      "dir/",
    ]
  ) {
    assert.ok(!isValidSharedName(bad), JSON.stringify(bad));
  }
  assert.equal(numberedName("song.mp3", 2), "song (2).mp3");
  assert.equal(numberedName("README", 1), "README (1)");
});

Deno.test("a hostile name in a search result cannot make the downloader write outside its folder", async () => {
  await using share = await tempDir({ "real.txt": "payload" });
  await using out = await tempDir();
  await using net = testServer();
  const holder = await Peer.start({
    server: net.address,
    shareDir: share.path,
    hostname: "127.0.0.1",
  });
  try {
    const [hit] = (await holder.search("real")).results;
    for (const name of ["../../escaped.txt", "/tmp/abs.txt", "..\\win.txt", "\u0000"]) {
      const done = await downloadFile({ ...hit, name }, { outDir: out.path });
      assert.equal(
        resolve(done.path, ".."),
        resolve(out.path),
        `${JSON.stringify(name)} → ${done.path}`,
      );
    }
    const names = [...Deno.readDirSync(out.path)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "abs.txt",
      `download-${hit.sha256.slice(0, 12)}`,
      "escaped.txt",
      "win.txt",
    ]);
  } finally {
    await holder.close();
  }
});

Deno.test("symlinks leading outside the share are not shared; links inside are", async () => {
  await using outside = await tempDir({ "secret.txt": "top secret", "dir/inner.txt": "x" });
  await using share = await tempDir({
    "plain.txt": "plain",
    "sub/deep.txt": "deep",
    ".hidden": "h",
    "x.part": "p",
  });
  await Deno.symlink(join(outside.path, "secret.txt"), join(share.path, "leak.txt"));
  await Deno.symlink(join(outside.path, "dir"), join(share.path, "leakdir"));
  await Deno.symlink(join(share.path, "plain.txt"), join(share.path, "alias.txt"));
  await Deno.symlink("/nonexistent/target", join(share.path, "dangling.txt"));
  const { files } = await scanShare(share.path);
  assert.deepEqual(files.map((f) => f.name), ["alias.txt", "plain.txt", "sub/deep.txt"]);
  assert.equal(files[1].sha256, await sha256Hex(new TextEncoder().encode("plain")));
});
