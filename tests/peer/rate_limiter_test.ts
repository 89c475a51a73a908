import assert from "node:assert/strict";

import { parseRate, RateLimiter } from "../../peer/rate_limiter.ts";

const MiB = 1024 * 1024;

Deno.test("parseRate reads decimal and binary units", () => {
  const table: [string, number][] = [
    ["10M", 10_000_000],
    ["10MB", 10_000_000],
    ["10MB/s", 10_000_000],
    ["512K", 512_000],
    ["2MiB", 2 * MiB],
    ["1.5G", 1_500_000_000],
    ["4096", 4096],
  ];
  for (const [text, rate] of table) assert.equal(parseRate(text), rate, text);
  for (const bad of ["", "fast", "-5M", "0", "10X"]) {
    assert.throws(() => parseRate(bad), RangeError, bad);
  }
});

Deno.test("the rate limiter makes a stream beyond its burst wait for its rate", async () => {
  const limiter = new RateLimiter(1_000_000);
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) await limiter.take(50_000);
  const secs = (performance.now() - t0) / 1000;
  assert.ok(secs >= 0.35, `500 kB at 1 MB/s with a 50 kB burst took ${secs.toFixed(2)} s`);
});
