import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, tempDir } from "../_helpers.ts";
import { REDIS_REQUIRED } from "../_redis.ts";

Deno.test("the benchmark runs end to end at its smallest size and writes every figure", async () => {
  await using out = await tempDir();
  const run = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-lock",
      "--v8-flags=--expose-gc",
      join(ROOT, "bench", "main.ts"),
      "--size",
      "smoke",
      "--out",
      out.path,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(run.stdout);
  assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
  assert.match(stdout, /\| # \| figure \| ours \| baseline \| ratio \| target \| met \|/);
  const json = JSON.parse(await Deno.readTextFile(join(out.path, "latest-smoke.json")));
  const ids = json.figures.map((f: { id: string }) => f.id);
  for (
    const id of [
      "1",
      "2",
      "3a",
      "3b",
      "3c",
      "3d",
      "3e",
      "4a",
      "4b",
      "5a",
      "5b",
      "6a",
      "6b",
      "7a",
      "7b",
      "8",
    ]
  ) {
    assert.ok(ids.includes(id), `figure ${id} in ${ids}`);
  }
  // Figure 9 runs on two network namespaces: root only.
  if (Deno.uid() === 0) assert.ok(ids.includes("9"), `figure 9 in ${ids}`);
  // Figure 10 needs redis-server (.ci/run installs it).
  if (REDIS_REQUIRED || !/Figure 10 left out/.test(new TextDecoder().decode(run.stderr))) {
    for (const id of ["10a", "10b", "10c", "10d"]) {
      assert.ok(ids.includes(id), `figure ${id} in ${ids}`);
    }
  }
  for (const f of json.figures) {
    assert.ok(
      Number.isFinite(f.value.median) && Number.isFinite(f.ratio.median),
      `figure ${f.id} has numbers`,
    );
  }
  assert.equal(json.machine.cores, navigator.hardwareConcurrency);
});
