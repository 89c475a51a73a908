/**
 * The discovery options on the command line, where no multicast is needed:
 * bad usage, and multicast turned off.
 */
import assert from "node:assert/strict";
import { runMain } from "../_helpers.ts";

Deno.test("discover and the announcement options reject bad usage with one line and exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["discover", "--timeout", "0"], /^error: --timeout must be a number of seconds above 0/],
    [["discover", "--timeout", "61"], /^error: --timeout must be a number of seconds above 0/],
    [["discover", "--timeout", "1e3"], /^error: --timeout must be a number of seconds above 0/],
    [["discover", "lab"], /^error: Unexpected argument "lab"/],
    [["server", "--name", "bell\u0007"], /^error: --name must be 1 to 63 bytes of printable text/],
    [["server", "--name", " lab"], /^error: --name must be 1 to 63 bytes of printable text/],
    [["server", "--network", "x".repeat(64)], /^error: --network must be 1 to 63 bytes/],
    [["search", "x", "--network"], /^error: Option '--network <value>' argument missing/],
  ];
  for (const [args, re] of cases) {
    const r = await runMain(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  const help = await runMain(["discover", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: swapmeet discover \[--timeout S\] \[--json\]/);
});

Deno.test("with SWAPMEET_MDNS=off nothing is looked for: discover says so, peers use 127.0.0.1:1234", async () => {
  const discover = await runMain(["discover"], { env: { SWAPMEET_MDNS: "off" } });
  assert.equal(discover.code, 1);
  assert.equal(discover.stderr.trim(), "error: LAN discovery is turned off (SWAPMEET_MDNS=off)");
  const search = await runMain(["search", "x"], { env: { SWAPMEET_MDNS: "off" } });
  assert.equal(search.code, 1);
  assert.doesNotMatch(search.stderr, /LAN/);
  // (A server of someone else's on this machine's port 1234 would answer "No files match".)
  assert.match(search.stderr, /Cannot reach 127\.0\.0\.1:1234|No files match/);
});
