/**
 * How a server keeps its copy of the network's index in step
 * (redis_network.ts): it reads the change stream and applies other
 * servers' changes, in order, one at a time. A number missing in the
 * stream (trimmed before it was read, or Redis lost its data) means it
 * rebuilds from the peers' records and reads on from where they stood.
 * @module
 */
import type { RedisConnection } from "../net/redis_client.ts";
import { delay } from "../shared/deadline.ts";
import type { Change } from "./changes.ts";
import { readChanges, readHead, readSnapshot } from "./redis_reads.ts";
import type { Replica } from "./replica.ts";
import type { NetworkKeys } from "./redis_scripts.ts";
import type { TimeSlice } from "./time_slice.ts";

/** How long one blocking read of the stream waits for news. */
const BLOCK_MS = 1_000;

/** What a Follower works with. */
export interface FollowerParts {
  /** For reading the head and the records. */
  redis: RedisConnection;
  /** For blocking reads of the stream only. */
  feed: RedisConnection;
  keys: NetworkKeys;
  replica: Replica;
  log(line: string): void;
  /** A read failed: Redis may be away. */
  lost(why: string): void;
  /** Another server's change about own peer `id` (not applied). */
  ours(change: Change, id: number): void;
  /** A rebuild found a new epoch: Redis lost the network's data. */
  reset(): Promise<void>;
}

/** Reads the stream and applies other servers' changes. */
export class Follower {
  readonly #p: FollowerParts;
  /** The epoch the copy follows ("" before the first rebuild). */
  #epoch = "";
  #pos = { id: "0-0", n: 0 };
  #applying: Promise<unknown> = Promise.resolve();
  #wantRebuild = false;

  constructor(parts: FollowerParts) {
    this.#p = parts;
  }

  /** The epoch followed. */
  get epoch(): string {
    return this.#epoch;
  }

  /** Rebuilds before reading on (at the next read). */
  rebuildSoon(): void {
    this.#wantRebuild = true;
  }

  /** Runs `work` after every change applied before it: one at a time, in stream order. */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#applying.then(work);
    this.#applying = done.catch(() => {});
    return done;
  }

  /** Reads and applies until `closing` settles. */
  async run(closing: Promise<void>, closed: () => boolean): Promise<void> {
    const { feed, keys, replica, log } = this.#p;
    while (!closed()) {
      try {
        if (this.#wantRebuild) {
          await this.serial(() => this.rebuild());
          continue;
        }
        const entries = await readChanges(feed, keys, this.#pos.id, BLOCK_MS);
        for (const e of entries) {
          if (e.n !== this.#pos.n + 1) {
            this.#wantRebuild = true; // trimmed before we read it, or Redis lost its data
            break;
          }
          this.#pos = { id: e.id, n: e.n };
          const change = e.change;
          if (!change) log(`! change ${e.n} on the network does not parse (${e.bad}); skipped`);
          else if (e.origin === replica.self) {
            if (change.op === "ids") replica.noteId(change.upTo);
          } else await this.serial(() => this.#apply(change, e.origin));
        }
      } catch (err) {
        if (closed()) break;
        this.#p.lost((err as Error).message);
        await delay(250, closing);
      }
    }
    await this.#applying;
  }

  /**
   * Rebuilds the copy from the peers' records, to read on from where they
   * stood. After a new epoch (Redis lost its data: `reset` runs) the
   * records are not the whole network yet: other servers' peers missing
   * from them are kept until their servers publish them again or are found
   * gone. `slice` paces the work (none before the server listens).
   */
  async rebuild(slice?: TimeSlice): Promise<void> {
    const { redis, keys, replica, log } = this.#p;
    const head = await readHead(redis, keys, crypto.randomUUID());
    const reset = this.#epoch !== "" && head.epoch !== this.#epoch;
    this.#epoch = head.epoch;
    replica.noteId(head.highestId);
    if (reset) await this.#p.reset();
    const bad = (why: string) => log(`! a record on the network does not parse (${why}); skipped`);
    await replica.applySnapshot(readSnapshot(redis, keys, bad), !reset, slice);
    this.#pos = { id: head.id, n: head.n };
    this.#wantRebuild = false;
  }

  async #apply(change: Change, origin: string): Promise<void> {
    if (await this.#p.replica.apply(change, origin) !== "local") return;
    this.#p.ours(change, change.op === "peer" ? change.peer.id : (change as { peer: number }).peer);
  }
}
