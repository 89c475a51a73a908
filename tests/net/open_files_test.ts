import assert from "node:assert/strict";
import { connectionCap, openFileLimit, parseOpenFileLimit } from "../../net/open_files.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

Deno.test("the open-file limit is the soft one of /proc/self/limits; unlimited or missing is unknown", () => {
  assert.equal(parseOpenFileLimit(LIMITS), 1024);
  assert.equal(parseOpenFileLimit(LIMITS.replace("1024 ", "unlimited ")), undefined);
  assert.equal(parseOpenFileLimit("Max cpu time unlimited"), undefined);
  if (Deno.build.os === "linux") {
    const ours = Deno.readTextFileSync("/proc/self/limits").match(/Max open files\s+(\d+)/)![1];
    assert.equal(openFileLimit(), Number(ours));
  }
});

Deno.test("the default connection cap leaves a tenth of the open files (at least 64) for everything else", () => {
  assert.equal(connectionCap(20_000, 1_048_576), 20_000, "a high limit: the default");
  assert.equal(connectionCap(20_000, 20_000), 18_000);
  assert.equal(connectionCap(20_000, 1_024), 921);
  assert.equal(connectionCap(20_000, 256), 192);
  assert.equal(connectionCap(20_000, 50), 1, "always at least one");
  assert.equal(connectionCap(20_000, undefined), 20_000, "no limit known");
});
