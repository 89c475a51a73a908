import assert from "node:assert/strict";
import { parseServerList, UsageError } from "../../cli/args.ts";

Deno.test("--server takes one HOST:PORT or several, comma-separated (duplicates once)", () => {
  assert.deepEqual(parseServerList("10.0.0.5:1234"), [{ host: "10.0.0.5", port: 1234 }]);
  assert.deepEqual(parseServerList("10.0.0.5:1234, [::1]:99,host,10.0.0.5:1234"), [
    { host: "10.0.0.5", port: 1234 },
    { host: "::1", port: 99 },
    { host: "host", port: 1234 },
  ]);
  for (const bad of ["a:1,", ",a:1", "a:1,,b:2", "a:1,b:x"]) {
    assert.throws(() => parseServerList(bad), UsageError, bad);
  }
});

Deno.test("$SWAPMEET_SERVER may name several servers too", () => {
  const before = Deno.env.get("SWAPMEET_SERVER");
  try {
    Deno.env.set("SWAPMEET_SERVER", "10.0.0.5:1,10.0.0.6:2");
    assert.deepEqual(parseServerList(undefined), [
      { host: "10.0.0.5", port: 1 },
      { host: "10.0.0.6", port: 2 },
    ]);
    Deno.env.delete("SWAPMEET_SERVER");
    assert.deepEqual(parseServerList(undefined), [{ host: "127.0.0.1", port: 1234 }]);
  } finally {
    if (before === undefined) Deno.env.delete("SWAPMEET_SERVER");
    else Deno.env.set("SWAPMEET_SERVER", before);
  }
});
