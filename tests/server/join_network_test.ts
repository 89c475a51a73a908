import assert from "node:assert/strict";
import { IndexStore } from "../../server/index_store.ts";
import { joinRedisNetwork } from "../../server/join_network.ts";
import { SwapmeetError } from "../../shared/errors.ts";
import { redisTest, TestRedis } from "../_redis.ts";

redisTest("Redis unreachable at start: one line naming it", async () => {
  await using redis = await TestRedis.start();
  const port = redis.port;
  await redis.stop();
  await assert.rejects(
    joinRedisNetwork({
      redis: { host: "127.0.0.1", port, db: 0 },
      network: "x",
      store: new IndexStore(),
      heartbeatSeconds: 1,
      log: () => {},
    }),
    (err: Error) =>
      err instanceof SwapmeetError && !err.message.includes("\n") &&
      err.message.includes(`Cannot reach Redis at 127.0.0.1:${port}`),
  );
});
