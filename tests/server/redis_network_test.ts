import assert from "node:assert/strict";
import fc from "fast-check";
import { IndexClient } from "../../peer/index_client.ts";
import { IndexStore } from "../../server/index_store.ts";
import { Replica } from "../../server/replica.ts";
import { waitFor } from "../_helpers.ts";
import { redisTest, TestRedis } from "../_redis.ts";
import { canonical, finds, netServer } from "./_network.ts";
import { record } from "./_records.ts";

const handle = fc.integer({ min: 0, max: 2 });
const event = fc.oneof(
  fc.record({ kind: fc.constant("join" as const), handle, server: fc.integer({ min: 0, max: 1 }) }),
  fc.record({
    kind: fc.constant("register" as const),
    handle,
    files: fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 1 })), {
      maxLength: 3,
    }),
  }),
  fc.record({
    kind: fc.constant("remove" as const),
    handle,
    files: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
  }),
  fc.record({ kind: fc.constant("leave" as const), handle, bye: fc.boolean() }),
);

redisTest(
  "property, over Redis: joins, registers, removals and leaves on two servers leave both copies, and a server built later from Redis, equal to one index of the same events",
  async () => {
    await using redis = await TestRedis.start();
    let run = 0;
    await fc.assert(
      // Every peer joins first (at a server of its own choosing), then anything goes.
      fc.asyncProperty(
        fc.array(event, { minLength: 4, maxLength: 16 }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 3, maxLength: 3 }),
        async (ops, at) => {
          const events = [
            ...at.map((server, handle) => ({ kind: "join" as const, handle, server })),
            ...ops,
          ];
          const name = `property ${run++}`;
          await using a = await netServer(redis, name);
          await using b = await netServer(redis, name);
          const servers = [a, b];
          const reference = new Replica(new IndexStore(), "reference");
          const peers = new Map<number, IndexClient>();
          try {
            for (const e of events) {
              const client = peers.get(e.handle);
              if (e.kind === "join" && !client) {
                const c = await IndexClient.connect(servers[e.server].address, {
                  port: 4000 + e.handle,
                  name: `p${e.handle}`,
                });
                peers.set(e.handle, c);
                reference.store.addPeer({
                  id: c.peerId,
                  host: "127.0.0.1",
                  port: 4000 + e.handle,
                  name: `p${e.handle}`,
                  unproven: true, // no file server answers for it
                });
                reference.addLocal(c.peerId);
              } else if (e.kind === "register" && client) {
                const records = e.files.map(([f, v]) =>
                  record(`d/f${f}.txt`, { content: `${f}${v}` })
                );
                await client.register(records);
                await reference.store.register(client.peerId, records);
              } else if (e.kind === "remove" && client) {
                const names = e.files.map((f) => `d/f${f}.txt`);
                await client.unregister(names);
                await reference.store.unregister(client.peerId, names);
              } else if (e.kind === "leave" && client) {
                peers.delete(e.handle);
                if (e.bye) await client.bye();
                else client.close();
                await reference.store.removePeer(client.peerId);
                reference.removeLocal(client.peerId);
              }
            }
            const want = canonical(reference.state(), false);
            const settled = () =>
              servers.every((s) =>
                JSON.stringify(canonical(s.net.replica.state(), false)) === JSON.stringify(want)
              );
            await waitFor(settled, "both copies to hold every event");
            // The same times too: each copy has the time its peer's server gave.
            assert.deepEqual(canonical(a.net.replica.state()), canonical(b.net.replica.state()));
            await using c = await netServer(redis, name);
            assert.deepEqual(canonical(c.net.replica.state()), canonical(a.net.replica.state()));
            const ids = [...peers.values()].map((p) => p.peerId);
            assert.equal(new Set(ids).size, ids.length, "peer IDs are distinct");
          } finally {
            for (const p of peers.values()) p.close();
          }
        },
      ),
      { numRuns: 10 },
    );
  },
);

redisTest(
  "Redis restarted empty: servers answer from their copies meanwhile (saying so once), then publish their peers again; new peer IDs are still unique",
  async () => {
    await using redis = await TestRedis.start();
    await using a = await netServer(redis, "reset");
    await using b = await netServer(redis, "reset");
    const ann = await IndexClient.connect(a.address, { port: 4001, name: "ann" });
    const bob = await IndexClient.connect(b.address, { port: 4002, name: "bob" });
    try {
      await ann.register([record("ann_song.mp3")]);
      await bob.register([record("bob_notes.txt")]);
      await waitFor(
        async () => (await finds(a, "bob")).length && (await finds(b, "ann")).length,
        "each server to find the other's peer",
      );
      const before = [ann.peerId, bob.peerId];

      await redis.stop();
      await waitFor(() => a.lines.some((l) => l.includes("Lost Redis")), "server a to notice");
      const lost = a.lines.find((l) => l.includes("Lost Redis"))!;
      assert.match(lost, /\(connection lost: /, "says the connection was lost, and why");
      assert.doesNotMatch(lost, /maxRetriesPerRequest|retries per request/i, lost);
      // A search client joins during the outage (a spare peer ID) and finds both, from a's copy.
      assert.deepEqual(await finds(a, "bob"), [bob.peerId]);
      assert.deepEqual(await finds(b, "ann"), [ann.peerId]);
      await ann.register([record("ann_later.mp3")]); // cannot be published now: later

      await redis.startAgain();
      const republished = async () =>
        (await redis.cli("HKEYS", "sm:reset:peers")).split("\n").filter(Boolean).map(Number);
      await waitFor(
        async () => {
          const ids = await republished();
          return before.every((id) => ids.includes(id)) &&
            (await finds(b, "ann_later")).length > 0;
        },
        "both servers to publish their peers again",
      );
      for (const s of [a, b]) {
        assert.equal(s.lines.filter((l) => l.includes("Lost Redis")).length, 1, s.lines.join("\n"));
        assert.ok(s.lines.some((l) => l.includes("lost the network's data")), s.lines.join("\n"));
      }
      // A server that starts now builds its copy from Redis alone: everything is there.
      await using c = await netServer(redis, "reset");
      assert.deepEqual(await finds(c, "ann"), [ann.peerId, ann.peerId]);
      assert.deepEqual(await finds(c, "bob"), [bob.peerId]);
      // The counter went with Redis's data; new IDs start above every ID in use.
      const fresh = await Promise.all([a, b, c, a].map((s) => IndexClient.connect(s.address, {})));
      const ids = fresh.map((f) => f.peerId);
      for (const f of fresh) f.close();
      assert.equal(
        new Set([...ids, ...before]).size,
        ids.length + before.length,
        `${ids} ${before}`,
      );
    } finally {
      ann.close();
      bob.close();
    }
  },
);

redisTest(
  "changes made while Redis was away reach the other servers when it is back with its data",
  async () => {
    await using redis = await TestRedis.start();
    await using a = await netServer(redis, "blip");
    await using b = await netServer(redis, "blip");
    const ann = await IndexClient.connect(a.address, { port: 4001 });
    const cy = await IndexClient.connect(a.address, { port: 4003 });
    try {
      await ann.register([record("ann_one.txt"), record("ann_two.txt")]);
      await cy.register([record("cy_one.txt")]);
      await waitFor(async () => (await finds(b, "one")).length === 2, "b to see a's peers");
      await redis.stop(true); // saving its data first
      await waitFor(() => a.lines.some((l) => l.includes("Lost Redis")), "a to notice");
      await ann.unregister(["ann_two.txt"]);
      await ann.register([record("ann_three.txt")]);
      await cy.bye();
      await redis.startAgain(); // ... which loads it
      await waitFor(
        async () =>
          (await finds(b, "three")).length === 1 && (await finds(b, "two")).length === 0 &&
          (await finds(b, "cy")).length === 0,
        "b to hear what happened while Redis was away",
      );
      assert.ok(!a.lines.some((l) => l.includes("lost the network's data")), a.lines.join("\n"));
    } finally {
      ann.close();
      cy.close();
    }
  },
);

redisTest(
  "a dead server's peers, found in Redis as the docs describe them, are dropped once its presence expired: within 1.25 heartbeats",
  async () => {
    await using redis = await TestRedis.start();
    const rec = JSON.stringify({ ...record("ghost_song.mp3"), sharedAt: 1_700_000_000_000 });
    const info = JSON.stringify({
      id: 500,
      host: "10.0.0.5",
      port: 4000,
      name: "ghost",
      address: "10.0.0.5",
    });
    await redis.cli("HSET", "sm:dead:peers", "500", "ghostserver");
    await redis.cli("SET", "sm:dead:peer:500", info);
    await redis.cli("HSET", "sm:dead:files:500", "ghost_song.mp3", rec);
    await redis.cli("SET", "sm:dead:server:ghostserver", "{}", "PX", "1000");
    const died = Date.now();
    await using a = await netServer(redis, "dead");
    assert.deepEqual(await finds(a, "ghost"), [500], "built from the records");
    await waitFor(async () => (await finds(a, "ghost")).length === 0, "the ghost's peer to go");
    const took = Date.now() - died;
    // Presence 1 s, checked every 0.25 s: 1.25 s, and up to 1 s for a busy test machine.
    assert.ok(took <= 2_250, `dropped after ${took} ms`);
    assert.equal(await redis.cli("EXISTS", "sm:dead:peer:500"), "0");
    assert.ok(a.lines.some((l) => l.includes("Server ghostserver is gone")), a.lines.join("\n"));
    // And a new peer's ID is above the dead server's.
    const c = await IndexClient.connect(a.address, {});
    c.close();
    assert.ok(c.peerId > 500, `${c.peerId}`);
  },
);
