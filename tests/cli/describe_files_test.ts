import assert from "node:assert/strict";
import { join } from "node:path";
import { offerDescriptions } from "../../cli/describe_files.ts";
import type { LineSource } from "../../cli/line_reader.ts";
import { tempDir } from "../_helpers.ts";

/** Answers questions from a list and keeps them. */
function answers(list: string[]): LineSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    ask(question) {
      asked.push(question);
      return Promise.resolve(list.shift() ?? null);
    },
  };
}

Deno.test("files.json offer counts files properly and writes the keywords given", async () => {
  await using dir = await tempDir({ "song.mp3": "x" });
  const lines = answers(["y", "jazz live"]);
  assert.equal(await offerDescriptions(dir.path, lines), true);
  assert.match(lines.asked[0], /has no files\.json\. Describe its 1 file now\? \(y\/n\) \[n\]: $/);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir.path, "files.json"))), [
    { name: "song.mp3", description: "jazz live" },
  ]);
});
