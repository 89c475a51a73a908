import assert from "node:assert/strict";
import fc from "fast-check";
import { type Change, parseChange, type SharedRecord } from "../../server/changes.ts";
import { IndexStore } from "../../server/index_store.ts";
import { type PeerState, Replica, type SnapshotPeer } from "../../server/replica.ts";
import { record } from "./_records.ts";

/**
 * A network simulated in process: servers with their replicas, the change
 * log (the stream) and the records (what Redis keeps), changed as
 * server/redis_publisher.ts and the scripts of server/redis_scripts.ts do,
 * and a reference index that saw every event itself.
 */
class Network {
  clock = 1_000_000;
  readonly now = () => new Date(this.clock);
  readonly servers: { replica: Replica; cursor: number }[];
  readonly reference = new Replica(new IndexStore(this.now), "reference");
  readonly log: { origin: string; change: Change }[] = [];
  readonly records = new Map<number, SnapshotPeer>();
  /** Peer handle → [server, peer ID] while joined. */
  readonly joined = new Map<number, [number, number]>();
  #nextId = 0;

  constructor(servers: number) {
    this.servers = Array.from({ length: servers }, (_, i) => ({
      replica: new Replica(new IndexStore(this.now), `server${i}`),
      cursor: 0,
    }));
  }

  /** Appends a change to the log and to the records, as a script would. */
  publish(origin: string, change: Change): void {
    // Through JSON, as in Redis.
    this.log.push({ origin, change: parseChange(JSON.stringify(change)) });
    const r = change.op === "ids" ? undefined : this.records.get(
      change.op === "peer" ? change.peer.id : change.peer,
    );
    switch (change.op) {
      case "peer":
        this.records.set(change.peer.id, { info: change.peer, owner: origin, files: change.files });
        break;
      case "add": {
        const names = new Set(change.files.map((f) => f.name));
        if (r) r.files = [...r.files.filter((f) => !names.has(f.name)), ...change.files];
        break;
      }
      case "remove":
        if (r) r.files = r.files.filter((f) => !change.names.includes(f.name));
        break;
      case "leave":
        this.records.delete(change.peer);
    }
  }

  join(handle: number, server: number): void {
    if (this.joined.has(handle)) return;
    const id = ++this.#nextId;
    const info = { id, host: `10.0.0.${handle}`, port: 4000 + handle, name: `p${handle}` };
    const { replica } = this.servers[server];
    replica.store.addPeer(info);
    replica.addLocal(id);
    this.reference.store.addPeer(info);
    this.reference.addLocal(id);
    this.joined.set(handle, [server, id]);
    this.publish(replica.self, replica.fullState(id)!);
  }

  async register(handle: number, files: [number, number][]): Promise<void> {
    const at = this.joined.get(handle);
    if (!at) return;
    const [server, id] = at;
    const records = files.map(([f, v]) => record(`dir/f${f}.txt`, { content: `f${f} v${v}` }));
    const { replica } = this.servers[server];
    await replica.store.register(id, records);
    await this.reference.store.register(id, records);
    const peer = replica.store.getPeer(id)!;
    const changed = replica.records(peer, records.map((r) => r.name));
    this.publish(replica.self, { op: "add", peer: id, files: changed });
  }

  async remove(handle: number, files: number[]): Promise<void> {
    const at = this.joined.get(handle);
    if (!at) return;
    const [server, id] = at;
    const names = files.map((f) => `dir/f${f}.txt`);
    const { replica } = this.servers[server];
    await replica.store.unregister(id, names);
    await this.reference.store.unregister(id, names);
    this.publish(replica.self, { op: "remove", peer: id, names });
  }

  async leave(handle: number): Promise<void> {
    const at = this.joined.get(handle);
    if (!at) return;
    this.joined.delete(handle);
    const [server, id] = at;
    const { replica } = this.servers[server];
    await replica.store.removePeer(id);
    replica.removeLocal(id);
    await this.reference.store.removePeer(id);
    this.reference.removeLocal(id);
    this.publish(replica.self, { op: "leave", peer: id });
  }

  /** Applies the next `count` entries to a server (its own are skipped, as a follower does). */
  async deliver(server: number, count = Infinity): Promise<void> {
    const s = this.servers[server];
    const end = Math.min(this.log.length, s.cursor + count);
    for (; s.cursor < end; s.cursor++) {
      const { origin, change } = this.log[s.cursor];
      if (origin !== s.replica.self) await s.replica.apply(change, origin);
    }
  }

  /** Applies the last `count` delivered entries again. */
  async repeat(server: number, count: number): Promise<void> {
    const s = this.servers[server];
    for (let i = Math.max(0, s.cursor - count); i < s.cursor; i++) {
      const { origin, change } = this.log[i];
      if (origin !== s.replica.self) await s.replica.apply(change, origin);
    }
  }

  /**
   * Rebuilds a server from the records, then reads on `back` entries before
   * the log's end (entries the records already hold: a head taken before
   * the snapshot was read).
   */
  async rebuild(server: number, back: number, authoritative = true): Promise<void> {
    const s = this.servers[server];
    const snapshot = [...this.records.values()].map((p) => ({ ...p, files: [...p.files] }));
    await s.replica.applySnapshot([snapshot], authoritative);
    s.cursor = Math.max(s.cursor, this.log.length - back);
  }

  /**
   * Redis lost its data: every server publishes its peers again and
   * rebuilds, keeping other servers' peers missing from the records (not
   * authoritative) until it settles.
   */
  async reset(): Promise<void> {
    this.records.clear();
    for (const s of this.servers) {
      for (const id of s.replica.localPeers) this.publish(s.replica.self, s.replica.fullState(id)!);
    }
    for (const [i] of this.servers.entries()) await this.rebuild(i, 0, false);
    this.unsettled = true;
  }

  unsettled = false;

  /** After a reset, once every server had time to publish its peers again: rebuilds from the records. */
  async settle(): Promise<void> {
    if (!this.unsettled) return;
    this.unsettled = false;
    for (const [i] of this.servers.entries()) await this.rebuild(i, 0);
  }
}

function canonical(state: Map<number, PeerState>) {
  return [...state].sort(([a], [b]) => a - b).map(([id, p]) => ({
    id,
    info: p.info,
    files: [...p.files.values()].sort((a, b) => a.name.localeCompare(b.name)),
  }));
}

const SERVERS = 3;
const handle = fc.integer({ min: 0, max: 2 });
const server = fc.integer({ min: 0, max: SERVERS - 1 });
const file = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1 }));
const event = fc.oneof(
  fc.record({ kind: fc.constant("join" as const), handle, server }),
  fc.record({
    kind: fc.constant("register" as const),
    handle,
    files: fc.array(file, { maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant("remove" as const),
    handle,
    files: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant("leave" as const), handle }),
  fc.record({
    kind: fc.constant("deliver" as const),
    server,
    count: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({
    kind: fc.constant("repeat" as const),
    server,
    count: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({
    kind: fc.constant("rebuild" as const),
    server,
    back: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 6 })),
  }),
  fc.record({ kind: fc.constant("reset" as const) }),
  fc.record({ kind: fc.constant("settle" as const) }),
);

Deno.test("property: joins, registers, removals and leaves spread over servers leave every replica equal to one index of the same events, whatever the delivery (late, twice, after a rebuild, after a reset)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(event, { maxLength: 40 }), async (events) => {
      const net = new Network(SERVERS);
      for (const e of events) {
        net.clock += 1000;
        if (e.kind === "join") net.join(e.handle, e.server);
        else if (e.kind === "register") await net.register(e.handle, e.files);
        else if (e.kind === "remove") await net.remove(e.handle, e.files);
        else if (e.kind === "leave") await net.leave(e.handle);
        else if (e.kind === "deliver") await net.deliver(e.server, e.count);
        else if (e.kind === "repeat") await net.repeat(e.server, e.count);
        else if (e.kind === "rebuild") await net.rebuild(e.server, e.back);
        else if (e.kind === "reset") await net.reset();
        else await net.settle();
      }
      await net.settle();
      const want = canonical(net.reference.state());
      for (const [i, s] of net.servers.entries()) {
        await net.deliver(i);
        assert.deepEqual(canonical(s.replica.state()), want, `server ${i}`);
        assert.equal(s.replica.store.fileCount, net.reference.store.fileCount);
      }
      // What Redis keeps is the same index: a new server built from it alone agrees.
      const fresh = new Replica(new IndexStore(net.now), "fresh");
      await fresh.applySnapshot([[...net.records.values()]], true);
      assert.deepEqual(canonical(fresh.state()), want, "built from the records");
    }),
    { numRuns: 1000 },
  );
});

Deno.test("a rebuild from the records drops what they no longer hold, also changes it never saw", async () => {
  const net = new Network(2);
  net.join(0, 0);
  await net.register(0, [[1, 0], [2, 0]]);
  net.join(1, 0);
  await net.deliver(1);
  await net.remove(0, [1]);
  await net.leave(1);
  await net.rebuild(1, 0); // reads on after the removal and the leave: only the records tell
  await net.deliver(1);
  assert.deepEqual(canonical(net.servers[1].replica.state()), canonical(net.reference.state()));
  assert.equal(net.servers[1].replica.store.fileCount, 1);
});

Deno.test("a change applied twice is applied once; one about a peer of this server is not applied", async () => {
  const replica = new Replica(new IndexStore(), "me");
  const files: SharedRecord[] = [{ ...record("a.txt"), sharedAt: 5 }];
  const join: Change = {
    op: "peer",
    peer: { id: 7, host: "10.0.0.7", port: 4000, name: "ann", address: "10.0.0.7" },
    files,
  };
  assert.equal(await replica.apply(join, "other"), "applied");
  assert.equal(await replica.apply(join, "other"), "applied");
  assert.equal(await replica.apply({ op: "add", peer: 7, files }, "other"), "applied");
  assert.equal(replica.store.fileCount, 1);
  assert.equal(
    replica.store.search("a", 10)!.results[0].peers[0].sharedAt,
    new Date(5).toISOString(),
  );
  assert.deepEqual([...replica.servers()], [["other", [7]]]);
  assert.equal(await replica.apply({ op: "leave", peer: 7 }, "other"), "applied");
  assert.equal(await replica.apply({ op: "leave", peer: 7 }, "other"), "stale");
  assert.equal(await replica.apply({ op: "add", peer: 7, files }, "other"), "stale");
  assert.equal(replica.store.peerCount, 0);

  replica.store.addPeer({ id: 9, host: "10.0.0.9", port: 4000 });
  replica.addLocal(9);
  assert.equal(await replica.apply({ op: "leave", peer: 9 }, "other"), "local");
  assert.equal(replica.store.peerCount, 1);
  assert.equal(replica.highestId, 9);
  await replica.apply({ op: "ids", upTo: 128 }, "other");
  assert.equal(replica.highestId, 128);
});

Deno.test("changes that are not changes are refused with one line", () => {
  for (
    const bad of [
      "nope",
      "{}",
      '{"op":"leave","peer":0}',
      '{"op":"remove","peer":1,"names":[1]}',
      '{"op":"add","peer":1,"files":[{"name":"../x"}]}',
      '{"op":"peer","peer":{"id":1,"host":"h","port":70000,"name":"","address":"h"},"files":[]}',
    ]
  ) {
    assert.throws(() => parseChange(bad), (err: Error) => !err.message.includes("\n"), bad);
  }
});
