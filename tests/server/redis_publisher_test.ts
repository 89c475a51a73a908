import assert from "node:assert/strict";
import { IndexClient } from "../../peer/index_client.ts";
import { withDeadline } from "../../shared/deadline.ts";
import { waitFor } from "../_helpers.ts";
import { redisTest, TestRedis } from "../_redis.ts";
import { finds, netServer } from "./_network.ts";
import { record } from "./_records.ts";

redisTest(
  "a REGISTER of 5,000 records travels as entries of about 64 KiB each, and arrives whole",
  async () => {
    await using redis = await TestRedis.start();
    await using a = await netServer(redis, "big");
    await using b = await netServer(redis, "big");
    const ann = await IndexClient.connect(a.address, { port: 4001 });
    try {
      const records = Array.from({ length: 5_000 }, (_, i) => record(`music/track_${i}.mp3`));
      await ann.register(records);
      await waitFor(() => b.store.fileCount === 5_000, "all 5,000 on server b");
      const entries = (await redis.cli("XRANGE", "sm:big:changes", "-", "+")).split("\n")
        .filter((line) => line.startsWith('{"op":"add"'));
      const bytes = await redis.cli("XLEN", "sm:big:changes");
      assert.ok(entries.length >= 10, `${entries.length} entries`);
      for (const e of entries) assert.ok(e.length <= 64 * 1024 + 3_000, `${e.length} bytes`);
      assert.ok(Number(bytes) >= entries.length);
      await ann.unregister(records.map((r) => r.name));
      await waitFor(() => b.store.fileCount === 0, "all gone from server b");
    } finally {
      ann.close();
    }
  },
  { sanitizeOps: false, sanitizeResources: false },
);

redisTest(
  "a peer ID that turns out to be another server's too: the peer here is dropped (it reconnects with another) and the other's peer stays",
  async () => {
    await using redis = await TestRedis.start();
    await using a = await netServer(redis, "clash");
    // Another server holds ID 1, the next one server a gives out (as after Redis lost the
    // block it was taken from, unseen by a), and is alive.
    const info = { id: 1, host: "10.0.0.7", port: 4000, name: "other", address: "10.0.0.7" };
    await redis.cli("SET", "sm:clash:server:otherserver", "{}", "PX", "60000");
    await redis.cli("HSET", "sm:clash:peers", "1", "otherserver");
    await redis.cli("SET", "sm:clash:peer:1", JSON.stringify(info));
    const rec = JSON.stringify({ ...record("other_song.mp3"), sharedAt: 1_700_000_000_000 });
    await redis.cli("HSET", "sm:clash:files:1", "other_song.mp3", rec);
    const ann = await IndexClient.connect(a.address, { port: 4001, name: "ann" });
    assert.equal(ann.peerId, 1);
    assert.equal(await withDeadline(ann.closed, 5_000, "ann was not dropped"), "closed");
    assert.ok(
      a.lines.some((l) => l.includes("peer ID 1 is another server's too")),
      a.lines.join("\n"),
    );
    const again = await IndexClient.connect(a.address, { port: 4001, name: "ann" });
    try {
      assert.notEqual(again.peerId, 1);
      await again.register([record("ann_song.mp3")]);
      await waitFor(async () => (await finds(a, "song")).length === 2, "both songs on server a");
      assert.deepEqual(await finds(a, "other"), [1], "the other server's peer 1 is in a's copy");
      assert.equal(await redis.cli("HGET", "sm:clash:peers", "1"), "otherserver");
    } finally {
      again.close();
    }
  },
);
