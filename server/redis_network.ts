/**
 * Several index servers, one index, through Redis. Each server keeps a
 * whole copy of the network's index in memory (replica.ts: searches never
 * leave the process), publishes every change to its own peers
 * (redis_publisher.ts) and applies everyone else's from one stream
 * (redis_follower.ts). A server refreshes a presence key that lives one
 * heartbeat; when one is gone, the others drop that server's peers. Peer
 * IDs come in blocks from one counter (id_blocks.ts). When Redis is away,
 * servers answer from their copies and publish what they could not once it
 * is back; when it comes back empty, each publishes its own peers again.
 * docs/protocol.md, section 6, tells the whole story.
 * @module
 */
import type { RedisConnection } from "../net/redis_client.ts";
import { withDeadline } from "../shared/deadline.ts";
import { ProtocolError } from "../shared/errors.ts";
import { plural } from "../shared/text.ts";
import type { Change } from "./changes.ts";
import { ID_BLOCK, IdBlocks } from "./id_blocks.ts";
import type { IndexNetwork } from "./index_network.ts";
import type { PeerEntry } from "./peer_entry.ts";
import { Follower } from "./redis_follower.ts";
import { Publisher } from "./redis_publisher.ts";
import {
  changeKeys,
  DROP_PEER,
  type NetworkKeys,
  PRESENCE,
  STREAM_MAXLEN,
  TAKE_IDS,
} from "./redis_scripts.ts";
import type { Replica } from "./replica.ts";
import { TimeSlice } from "./time_slice.ts";

/** What a RedisNetwork works with. */
export interface RedisNetworkParts {
  /** For commands and scripts. */
  redis: RedisConnection;
  /** For blocking reads of the stream only. */
  feed: RedisConnection;
  keys: NetworkKeys;
  replica: Replica;
  /** A server's presence lives this long unless refreshed (every quarter of it). */
  presenceTtlMs: number;
  /** How Redis is named in messages (no password). */
  where: string;
  log(line: string): void;
}

/** A server's membership of a network of index servers (see the module doc). */
export class RedisNetwork implements IndexNetwork {
  readonly #p: RedisNetworkParts;
  readonly #self: string;
  readonly #ids = new IdBlocks();
  readonly #publisher: Publisher;
  readonly #follower: Follower;
  /** Own peers whose ID another server holds too: dropped here. */
  readonly #conflicts = new Set<number>();
  #up = true;
  #closed = false;
  #reapAfter = 0;
  /** After Redis lost its data: when to rebuild from the records alone (0: not due). */
  #settleAt = 0;
  #refilling: Promise<void> | null = null;
  #maintaining: Promise<void> | null = null;
  #reader: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #closing: Promise<void>;
  #wakeClosing = () => {};
  dropPeer?: (peerId: number) => void;

  constructor(parts: RedisNetworkParts) {
    this.#p = parts;
    this.#self = parts.replica.self;
    this.#closing = new Promise((resolve) => this.#wakeClosing = resolve);
    const lost = (why: string) => this.#lost(why);
    this.#publisher = new Publisher({
      ...parts,
      up: () => this.#up,
      lost,
      conflict: (id) => this.#conflict(id),
    });
    this.#follower = new Follower({
      ...parts,
      lost,
      ours: (change, id) => this.#ours(change, id),
      reset: () => this.#reset(),
    });
  }

  /** This server's ID on the network. */
  get serverId(): string {
    return this.#self;
  }

  /** The copy of the network's index this server keeps. */
  get replica(): Replica {
    return this.#p.replica;
  }

  /** Builds the copy from Redis (at full speed: nobody is served yet), then keeps it in step. */
  async start(): Promise<void> {
    await this.#follower.rebuild(new TimeSlice(Infinity));
    await this.#presence();
    await this.#refill();
    this.#p.redis.onChange((up, why) => up ? this.#back() : this.#lost(why));
    this.#timer = setInterval(() => this.#maintain(), this.#p.presenceTtlMs / 4);
    this.#reader = this.#follower.run(this.#closing, () => this.#closed);
  }

  async newPeerId(): Promise<number> {
    let id = this.#ids.take();
    if (this.#ids.left < ID_BLOCK / 2 && this.#up) this.#refill().catch(() => {});
    if (id === undefined && this.#up) {
      await this.#refill().catch(() => {});
      id = this.#ids.take();
    }
    if (id === undefined) {
      throw new ProtocolError(
        "LIMIT",
        "This index server cannot give out peer IDs while Redis is away; try another server or again later",
      );
    }
    this.#p.replica.noteId(id);
    return id;
  }

  joined(peer: PeerEntry): void {
    this.#p.replica.addLocal(peer.id);
    this.#publisher.put(peer.id);
  }

  added(peer: PeerEntry, names: readonly string[]): void {
    this.#publisher.add(peer, names);
  }

  removed(peer: PeerEntry, names: readonly string[]): void {
    this.#publisher.remove(peer, names);
  }

  left(peerId: number): void {
    this.#p.replica.removeLocal(peerId);
    // The other server's peer of this ID was left out of our copy: rebuild brings it in.
    if (this.#conflicts.delete(peerId)) this.#follower.rebuildSoon();
    this.#publisher.drop(peerId);
  }

  /** Drops this server's peers from the network (they reconnect elsewhere) and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#wakeClosing();
    await this.#maintaining;
    if (this.#up) {
      const gone = this.#publisher.dropAll().then(() =>
        this.#p.redis.call("DEL", this.#p.keys.presence(this.#self))
      );
      await withDeadline(gone, 5_000, "Redis did not answer").catch(() => {});
    }
    await Promise.all([this.#p.feed.close(), this.#p.redis.close()]);
    await this.#reader;
  }

  #conflict(id: number): void {
    if (this.#conflicts.has(id) || !this.#p.replica.localPeers.has(id)) return;
    this.#conflicts.add(id);
    this.#p.log(`! peer ID ${id} is another server's too; its peer here must reconnect`);
    this.dropPeer?.(id);
  }

  /** Another server's change about one of our peers. */
  #ours(change: Change, id: number): void {
    // Dropped by a server that took us for dead: publish it whole again.
    if (change.op === "leave") this.#publisher.mark(id);
    else this.#conflict(id);
  }

  /** Redis lost the network's data (a rebuild found a new epoch). */
  #reset(): Promise<void> {
    const local = this.#p.replica.localPeers;
    this.#p.log(
      `Redis at ${this.#p.where} lost the network's data; publishing this server's ${
        plural(local.size, "peer")
      } again`,
    );
    this.#ids.clear(); // taken from a counter that is gone: the new one starts above them
    for (const id of local) this.#publisher.mark(id);
    // Every server needs a moment to publish its peers again before they count as gone, and
    // before the records alone tell who is on the network (who left meanwhile is not in them).
    this.#reapAfter = this.#settleAt = Date.now() + 2 * this.#p.presenceTtlMs;
    this.#maintain();
    return Promise.resolve();
  }

  #lost(why: string): void {
    if (!this.#up || this.#closed) return;
    this.#up = false;
    this.#p.log(
      `! Lost Redis at ${this.#p.where} (${why}); answering from this server's copy of the index, retrying`,
    );
  }

  #back(): void {
    if (this.#up || this.#closed) return;
    this.#up = true;
    this.#p.log(`Redis at ${this.#p.where} is back`);
    this.#maintain();
  }

  /** Refreshes this server's presence; notices a new epoch, or that it was taken for dead. */
  async #presence(): Promise<void> {
    const { redis, keys, presenceTtlMs, replica } = this.#p;
    const [epoch, had] = await redis.eval(
      PRESENCE,
      [keys.presence(this.#self), keys.epoch],
      [JSON.stringify({ since: Date.now() }), presenceTtlMs, crypto.randomUUID()],
    ) as [string, number];
    if (epoch !== this.#follower.epoch) this.#follower.rebuildSoon();
    else if (had === 0) { for (const id of replica.localPeers) this.#publisher.mark(id); }
  }

  /** Every quarter of the presence's life: presence, publishing what waits, dead servers, IDs. */
  #maintain(): void {
    if (this.#maintaining || this.#closed) return;
    this.#maintaining = (async () => {
      try {
        await this.#presence();
        this.#back();
        this.#publisher.flush();
        if (this.#settleAt !== 0 && Date.now() >= this.#settleAt) {
          this.#settleAt = 0;
          this.#follower.rebuildSoon();
        }
        await this.#reap();
        if (this.#ids.left < ID_BLOCK / 2) await this.#refill();
      } catch (err) {
        this.#lost((err as Error).message);
      } finally {
        this.#maintaining = null;
      }
    })();
  }

  /** Drops the peers of servers whose presence is gone. */
  async #reap(): Promise<void> {
    if (Date.now() < this.#reapAfter) return;
    const { redis, keys, replica, log } = this.#p;
    const servers = [...replica.servers()];
    if (servers.length === 0) return;
    const present = await redis.batch(servers.map(([sid]) => ["EXISTS", keys.presence(sid)]));
    for (const [i, [sid, ids]] of servers.entries()) {
      if (present[i] !== 0) continue;
      log(`Server ${sid} is gone; dropping its ${plural(ids.length, "peer")}`);
      await redis.batch(
        ids.map((
          id,
        ) => ["EVAL", DROP_PEER, 5, ...changeKeys(keys, id), this.#self, id, STREAM_MAXLEN, sid]),
      );
      // Also when another server dropped one first: its entry may still be on its way.
      for (const id of ids) {
        await this.#follower.serial(() => replica.apply({ op: "leave", peer: id }, sid));
      }
    }
  }

  /** Takes another block of peer IDs. */
  #refill(): Promise<void> {
    return this.#refilling ??= (async () => {
      try {
        const { redis, keys, replica } = this.#p;
        const upTo = Number(
          await redis.eval(
            TAKE_IDS,
            [keys.ids, keys.seq, keys.changes],
            [this.#self, replica.highestId, STREAM_MAXLEN, ID_BLOCK],
          ),
        );
        this.#ids.add(upTo - ID_BLOCK + 1, upTo);
        replica.noteId(upTo);
      } finally {
        this.#refilling = null;
      }
    })();
  }
}
