/**
 * How a server tells its network about its own peers (redis_network.ts):
 * each change by its script, which writes the peer's record and the stream
 * entry in one step. A change that could not be published (Redis away, or
 * the record was dropped by a server that took this one for dead) marks
 * the peer; `flush` later publishes its whole state, or that it is gone,
 * which holds every change it missed.
 * @module
 */
import type { RedisConnection } from "../net/redis_client.ts";
import { infoJson } from "./changes.ts";
import type { PeerEntry } from "./peer_entry.ts";
import type { Replica } from "./replica.ts";
import {
  ADD_FILES,
  changeKeys,
  DROP_PEER,
  type NetworkKeys,
  PUT_PEER,
  REMOVE_FILES,
  STREAM_MAXLEN,
} from "./redis_scripts.ts";

/** What a Publisher works with. */
export interface PublisherParts {
  redis: RedisConnection;
  keys: NetworkKeys;
  replica: Replica;
  /** Whether Redis is thought reachable now (else changes wait for `flush`). */
  up(): boolean;
  /** A command failed: Redis may be away. */
  lost(why: string): void;
  /** Another server holds own peer `id`'s ID too. */
  conflict(id: number): void;
}

/** Publishes a server's own peers' changes. */
export class Publisher {
  readonly #p: PublisherParts;
  readonly #self: string;
  /** Own peers whose last change was not published: published whole (or as gone) by flush. */
  readonly #dirty = new Set<number>();

  constructor(parts: PublisherParts) {
    this.#p = parts;
    this.#self = parts.replica.self;
  }

  /** A peer's whole state (when it joins, or again). */
  put(id: number): void {
    const state = this.#p.replica.fullState(id);
    if (!state || state.op !== "peer") return;
    const args = state.files.flatMap((r) => [r.name, JSON.stringify(r)]);
    this.#send(id, PUT_PEER, [infoJson(state.peer), ...args]);
  }

  /** Files of these names, as the store now has them (in entries of at most ENTRY_BYTES). */
  add(peer: PeerEntry, names: readonly string[]): void {
    const pairs = this.#p.replica.records(peer, new Set(names))
      .map((r) => [r.name, JSON.stringify(r)]);
    for (const part of chunks(pairs, (pair) => pair[1].length)) {
      this.#send(peer.id, ADD_FILES, part.flat());
    }
  }

  /** Files of these names that the peer no longer has. */
  remove(peer: PeerEntry, names: readonly string[]): void {
    const gone = [...new Set(names)].filter((n) => !peer.files.has(n));
    for (const part of chunks(gone, (name) => name.length + 3)) {
      this.#send(peer.id, REMOVE_FILES, [JSON.stringify(part), ...part]);
    }
  }

  /** The peer left. */
  drop(id: number): void {
    this.#send(id, DROP_PEER, [this.#self]);
  }

  /** Publishes this peer whole at the next flush (others dropped it, or Redis lost it). */
  mark(id: number): void {
    this.#dirty.add(id);
  }

  /** Publishes every marked peer whole, or as gone when it left meanwhile. */
  flush(): void {
    for (const id of [...this.#dirty]) {
      this.#dirty.delete(id);
      if (this.#p.replica.localPeers.has(id)) this.put(id);
      else this.drop(id);
    }
  }

  /** Drops every own peer from the network at once (the server is stopping). */
  async dropAll(): Promise<void> {
    const { keys, replica, redis } = this.#p;
    const drops = [...replica.localPeers].map((
      id,
    ) => [
      "EVAL",
      DROP_PEER,
      5,
      ...changeKeys(keys, id),
      this.#self,
      id,
      STREAM_MAXLEN,
      this.#self,
    ]);
    if (drops.length > 0) await redis.batch(drops);
  }

  #send(id: number, script: string, args: (string | number)[]): void {
    if (!this.#p.up() || this.#dirty.has(id)) {
      this.#dirty.add(id);
      return;
    }
    const { redis, keys } = this.#p;
    redis.eval(script, changeKeys(keys, id), [this.#self, id, STREAM_MAXLEN, ...args]).then(
      (result) => {
        if (result === -1) this.#p.conflict(id);
        // Not ours any more in Redis: another server took this one for dead.
        else if (result === 0 && script !== DROP_PEER) this.#dirty.add(id);
      },
      (err) => {
        this.#dirty.add(id);
        this.#p.lost((err as Error).message);
      },
    );
  }
}

/**
 * Bytes of changes in one stream entry, about: a REGISTER of 5,000 records
 * (1 MiB) becomes several entries, so that the stream (STREAM_MAXLEN
 * entries) holds at most about 320 MB however peers churn.
 */
export const ENTRY_BYTES = 64 * 1024;

/** `items` in runs of about ENTRY_BYTES (each run at least one item). */
function chunks<T>(items: readonly T[], bytes: (item: T) => number): T[][] {
  const out: T[][] = [];
  let run: T[] = [];
  let size = 0;
  for (const item of items) {
    if (run.length > 0 && size + bytes(item) > ENTRY_BYTES) {
      out.push(run);
      run = [];
      size = 0;
    }
    run.push(item);
    size += bytes(item);
  }
  if (run.length > 0) out.push(run);
  return out;
}
