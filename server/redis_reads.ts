/**
 * Reading a network's index from Redis: where the change stream stands (the
 * head), the peers' records (a snapshot, read in batches while the caller
 * builds from the previous one), and the stream's new entries.
 * @module
 */
import type { RedisConnection } from "../net/redis_client.ts";
import { type Change, parseChange, parseInfo, parseRecords } from "./changes.ts";
import type { SnapshotPeer } from "./replica.ts";
import { HEAD, type NetworkKeys } from "./redis_scripts.ts";

/** Where the change stream stands. */
export interface Head {
  epoch: string;
  /** The last entry's ID ("0-0" for none): read on after it. */
  id: string;
  /** The last change's number. */
  n: number;
  /** The highest peer ID taken. */
  highestId: number;
}

/** Reads the head (setting the epoch to `newEpoch` when Redis has none). */
export async function readHead(
  redis: RedisConnection,
  keys: NetworkKeys,
  newEpoch: string,
): Promise<Head> {
  const [epoch, id, n, ids] = await redis.eval(
    HEAD,
    [keys.epoch, keys.changes, keys.seq, keys.ids],
    [newEpoch],
  ) as string[];
  return { epoch, id, n: Number(n), highestId: Number(ids) };
}

/** Peers read per round trip. */
const SNAPSHOT_BATCH = 500;

/**
 * Every peer's record, `SNAPSHOT_BATCH` peers at a time: the next batch is
 * asked for before this one is handed on. A record that does not parse is
 * reported to `bad` and left out.
 */
export async function* readSnapshot(
  redis: RedisConnection,
  keys: NetworkKeys,
  bad: (why: string) => void,
): AsyncGenerator<SnapshotPeer[]> {
  const flat = await redis.call("HGETALL", keys.peers) as string[];
  const owners: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) owners.push([flat[i], flat[i + 1]]);
  const fetch = (from: number) => {
    const part = owners.slice(from, from + SNAPSHOT_BATCH);
    return redis.batch(part.flatMap(([id]) => [["GET", keys.info(id)], ["HVALS", keys.files(id)]]))
      .then((replies) => ({ part, replies }));
  };
  let next = owners.length > 0 ? fetch(0) : null;
  for (let from = 0; next; from += SNAPSHOT_BATCH) {
    const { part, replies } = await next;
    next = from + SNAPSHOT_BATCH < owners.length ? fetch(from + SNAPSHOT_BATCH) : null;
    const batch: SnapshotPeer[] = [];
    part.forEach(([id, owner], i) => {
      const info = replies[2 * i];
      const files = replies[2 * i + 1];
      if (info === null) return; // gone since HGETALL
      try {
        if (typeof info !== "string" || !Array.isArray(files)) throw new Error("not a record");
        batch.push({ info: parseInfo(info), owner, files: parseRecords(files) });
      } catch (err) {
        bad(`peer ${id}: ${(err as Error).message}`);
      }
    });
    yield batch;
  }
}

/** One entry of the change stream. */
export interface StreamEntry {
  /** Its stream ID. */
  id: string;
  /** Its number: one more than the entry before. */
  n: number;
  /** The server that made the change. */
  origin: string;
  /** The change, or null when it does not parse (`bad` says why). */
  change: Change | null;
  bad?: string;
}

/**
 * The entries after `after`, waiting up to `blockMs` for one (then none).
 * Needs a connection of its own: it blocks.
 */
export async function readChanges(
  redis: RedisConnection,
  keys: NetworkKeys,
  after: string,
  blockMs: number,
): Promise<StreamEntry[]> {
  const reply = await redis.call(
    "XREAD",
    "COUNT",
    256,
    "BLOCK",
    blockMs,
    "STREAMS",
    keys.changes,
    after,
  ) as [string, [string, string[]][]][] | null;
  if (!reply) return [];
  return reply[0][1].map(([id, fields]) => {
    const field = (name: string) => {
      for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
      return "";
    };
    const entry: StreamEntry = { id, n: Number(field("n")), origin: field("s"), change: null };
    try {
      entry.change = parseChange(field("c"));
    } catch (err) {
      entry.bad = (err as Error).message;
    }
    return entry;
  });
}
