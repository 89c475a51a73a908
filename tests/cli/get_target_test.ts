import assert from "node:assert/strict";
import { chooseTarget } from "../../cli/get_command.ts";
import type { Holder, SearchResult } from "../../shared/protocol.ts";

function holder(id: number, name: string): Holder {
  return { id, host: "127.0.0.1", port: 1000 + id, sharedAt: "2026-01-01T00:00:00Z", name };
}

function result(sha: string, name: string, peers: Holder[]): SearchResult {
  return {
    name,
    type: "mp3",
    size: 1,
    mtime: 0,
    sha256: sha.repeat(64),
    description: "",
    chunkSize: 1048576,
    chunkRoot: "c".repeat(64),
    peers,
  };
}

const SAME = result("a", "lecture.mp3", [holder(1, "lecture.mp3"), holder(2, "audio/talk.mp3")]);
const REPORT_1 = result("b", "report.pdf", [holder(1, "report.pdf")]);
const REPORT_2 = result("c", "report.pdf", [holder(2, "old/report.pdf"), holder(3, "Report.PDF")]);

Deno.test("a name is saved as the holder's spelling of the name asked for", () => {
  assert.deepEqual(chooseTarget([SAME], "talk.mp3"), { file: SAME, saveAs: "audio/talk.mp3" });
  assert.deepEqual(chooseTarget([SAME], "LECTURE.MP3"), { file: SAME, saveAs: "lecture.mp3" });
  assert.deepEqual(chooseTarget([SAME], "audio/talk.mp3"), {
    file: SAME,
    saveAs: "audio/talk.mp3",
  });
  const viaPeer = chooseTarget([SAME], "lecture.mp3", 2);
  assert.ok("file" in viaPeer);
  assert.equal(viaPeer.saveAs, "lecture.mp3", "the name asked for, from the holder that has it");
  assert.deepEqual(viaPeer.file.peers.map((p) => p.id), [2], "only that holder");
});

Deno.test("--peer narrows a name two files have; without it both are candidates", () => {
  const both = chooseTarget([REPORT_1, REPORT_2], "report.pdf");
  assert.deepEqual("candidates" in both && both.candidates.map((c) => c.sha256[0]), ["b", "c"]);
  const three = chooseTarget([REPORT_1, REPORT_2], "report.pdf", 3);
  assert.ok("file" in three);
  assert.equal(three.file.sha256[0], "c");
  assert.equal(three.saveAs, "report.pdf", "as typed");
  const upper = chooseTarget([REPORT_1, REPORT_2], "REPORT.pdf", 3);
  assert.equal("file" in upper && upper.saveAs, "Report.PDF", "the holder's spelling");
  assert.deepEqual(chooseTarget([REPORT_1, REPORT_2], "report.pdf", 9), { candidates: [] });
});

Deno.test("an inexact name takes the only match, saved under the result's name", () => {
  assert.deepEqual(chooseTarget([REPORT_1], "report"), { file: REPORT_1, saveAs: "report.pdf" });
  const two = chooseTarget([SAME, REPORT_1], "neither");
  assert.equal("candidates" in two && two.candidates.length, 2);
});
