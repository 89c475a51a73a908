import assert from "node:assert/strict";
import {
  MAX_SECONDS,
  parseFlags,
  parseSeconds,
  parseServerList,
  UsageError,
} from "../../cli/args.ts";

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

Deno.test("seconds: positive numbers, fractions allowed, into whole milliseconds", () => {
  assert.equal(parseSeconds("60", "--stall-timeout"), 60_000);
  assert.equal(parseSeconds("1.5", "--stall-timeout"), 1_500);
  assert.equal(parseSeconds(".25", "--stall-timeout"), 250);
  assert.equal(parseSeconds("0.0001", "--stall-timeout"), 1, "never 0 ms");
  assert.equal(parseSeconds(String(MAX_SECONDS), "--stall-timeout"), MAX_SECONDS * 1000);
  for (const bad of ["0", "0.0", "-1", "abc", "", "1e3", "1s", " 5", String(MAX_SECONDS + 1)]) {
    assert.throws(
      () => parseSeconds(bad, "--stall-timeout"),
      (err: Error) => err instanceof UsageError && /^--stall-timeout must be/.test(err.message),
      JSON.stringify(bad),
    );
  }
});

Deno.test("a flag given a value that starts with a dash says how to write it", () => {
  assert.throws(
    () => parseFlags(["--stall-timeout", "-1"], { "stall-timeout": { type: "string" } }, "get"),
    (e: Error) =>
      e instanceof UsageError &&
      e.message ===
        "--stall-timeout needs a value; one that starts with a dash is written --stall-timeout=-VALUE (see: swapmeet get --help)",
  );
});
