import assert from "node:assert/strict";
import { describeRedis, parseRedisUrl } from "../../net/redis_client.ts";
import { SwapmeetError } from "../../shared/errors.ts";

Deno.test("redis://[:PASSWORD@]HOST[:PORT][/DB]: port 6379 and database 0 unless given", () => {
  assert.deepEqual(parseRedisUrl("redis://10.0.0.5"), { host: "10.0.0.5", port: 6379, db: 0 });
  assert.deepEqual(parseRedisUrl("redis://redis.lab:7000/3"), {
    host: "redis.lab",
    port: 7000,
    db: 3,
  });
  assert.deepEqual(parseRedisUrl("redis://[::1]:7000/"), { host: "::1", port: 7000, db: 0 });
  const withPassword = parseRedisUrl("redis://:s%40cret@10.0.0.5:7000");
  assert.equal(withPassword.password, "s@cret");
  assert.equal(describeRedis(withPassword), "10.0.0.5:7000", "never the password");
  assert.equal(describeRedis(parseRedisUrl("redis://[::1]/2")), "[::1]:6379/2");
});

Deno.test("what is not a Redis address is one line saying what is wrong", () => {
  for (
    const [bad, why] of [
      ["10.0.0.5:6379", /must start with redis:\/\//],
      ["http://10.0.0.5", /must start with redis:\/\//],
      ["redis://", /not a URL|no host/],
      ["redis://h/x", /database must be a number/],
      ["redis://h:99999", /not a URL/],
      ["redis://user:pw@h", /only a password/],
    ] as const
  ) {
    assert.throws(
      () => parseRedisUrl(bad),
      (err: Error) =>
        err instanceof SwapmeetError && why.test(err.message) && !err.message.includes("\n"),
      bad,
    );
  }
});
