/**
 * A network's keys in Redis and the Lua scripts that change them. Each
 * script changes a peer's record and appends the change to the stream in
 * one step (Redis runs a script atomically), numbering it from one counter:
 * the records always hold what the stream says up to its last entry, and a
 * reader that finds a number missing knows it missed something.
 * docs/protocol.md, section 6, describes every key and the stream's format.
 * @module
 */

/**
 * Entries the change stream keeps, about (older ones are trimmed): each one
 * at most about 64 KiB of changes (redis_publisher.ts), apart from a peer
 * published whole again. A server that falls further behind rebuilds.
 */
export const STREAM_MAXLEN = 5_000;

/** One network's keys. */
export interface NetworkKeys {
  /** Random text, set once by the first server: another value means Redis lost its data. */
  epoch: string;
  /** The highest peer ID taken (counter). */
  ids: string;
  /** The number of the last change (counter). */
  seq: string;
  /** The change stream. */
  changes: string;
  /** Hash: peer ID → the server whose peer it is. */
  peers: string;
  /** A server's presence, with a time to live. */
  presence(server: string): string;
  /** A peer's info (JSON). */
  info(peer: number | string): string;
  /** Hash: a peer's file name → its record (JSON). */
  files(peer: number | string): string;
}

/** The keys of network `name`: `sm:NAME:…`, the name percent-encoded (so `:` cannot mix two). */
export function networkKeys(name: string): NetworkKeys {
  const p = `sm:${encodeURIComponent(name)}:`;
  return {
    epoch: `${p}epoch`,
    ids: `${p}ids`,
    seq: `${p}seq`,
    changes: `${p}changes`,
    peers: `${p}peers`,
    presence: (server) => `${p}server:${server}`,
    info: (peer) => `${p}peer:${peer}`,
    files: (peer) => `${p}files:${peer}`,
  };
}

/** The keys of a change script about one peer: KEYS[1..5]. */
export function changeKeys(keys: NetworkKeys, peer: number): string[] {
  return [keys.peers, keys.info(peer), keys.files(peer), keys.seq, keys.changes];
}

/** Appends change `c` as server ARGV[1], numbered from the counter; KEYS ends with seq, stream. */
const PUBLISH = `
local function publish(c)
  local n = redis.call('INCR', KEYS[#KEYS - 1])
  redis.call('XADD', KEYS[#KEYS], 'MAXLEN', '~', ARGV[3], '*', 'n', n, 's', ARGV[1], 'c', c)
  return 1
end
local function hset(key, from)
  for i = from, #ARGV, 2000 do
    redis.call('HSET', key, unpack(ARGV, i, math.min(i + 1999, #ARGV)))
  end
end
local function values(from)
  local out = {}
  for i = from + 1, #ARGV, 2 do out[#out + 1] = ARGV[i] end
  return table.concat(out, ',')
end
`;

/**
 * A peer's whole state. ARGV: server, peer ID, stream length, info JSON,
 * then name, record JSON pairs. -1 when the ID is another server's.
 */
export const PUT_PEER = PUBLISH + `
local owner = redis.call('HGET', KEYS[1], ARGV[2])
if owner and owner ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[1])
redis.call('SET', KEYS[2], ARGV[4])
redis.call('DEL', KEYS[3])
hset(KEYS[3], 5)
return publish('{"op":"peer","peer":' .. ARGV[4] .. ',"files":[' .. values(5) .. ']}')
`;

/**
 * Files added or replaced. ARGV: server, peer ID, stream length, then name,
 * record JSON pairs. 0 when the peer is nobody's (it was dropped), -1 when
 * it is another server's.
 */
export const ADD_FILES = PUBLISH + `
local owner = redis.call('HGET', KEYS[1], ARGV[2])
if owner ~= ARGV[1] then return owner and -1 or 0 end
hset(KEYS[3], 4)
return publish('{"op":"add","peer":' .. ARGV[2] .. ',"files":[' .. values(4) .. ']}')
`;

/** Files removed. ARGV: server, peer ID, stream length, names JSON, names. As ADD_FILES. */
export const REMOVE_FILES = PUBLISH + `
local owner = redis.call('HGET', KEYS[1], ARGV[2])
if owner ~= ARGV[1] then return owner and -1 or 0 end
for i = 5, #ARGV, 1000 do
  redis.call('HDEL', KEYS[3], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
return publish('{"op":"remove","peer":' .. ARGV[2] .. ',"names":' .. ARGV[4] .. '}')
`;

/**
 * A peer gone, if it is server ARGV[4]'s (its own peer that left, or a dead
 * server's). ARGV: server, peer ID, stream length, owner. 0 when it was not.
 */
export const DROP_PEER = PUBLISH + `
if redis.call('HGET', KEYS[1], ARGV[2]) ~= ARGV[4] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[2], KEYS[3])
return publish('{"op":"leave","peer":' .. ARGV[2] .. '}')
`;

/**
 * Takes a block of peer IDs: the counter goes up by ARGV[4], from at least
 * ARGV[2] (the highest ID the server has seen taken: a counter lost with
 * Redis's data comes back above every ID in use). KEYS: ids, seq, stream.
 * ARGV: server, floor, stream length, count. Returns the block's last ID.
 */
export const TAKE_IDS = PUBLISH + `
local c = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[2]))
c = c + tonumber(ARGV[4])
redis.call('SET', KEYS[1], string.format('%d', c))
publish('{"op":"ids","upTo":' .. string.format('%d', c) .. '}')
return c
`;

/**
 * Refreshes a server's presence and reads the epoch (setting it when Redis
 * has none). KEYS: presence, epoch. ARGV: value, time to live (ms), a new
 * epoch. Returns {epoch, 1 when the presence was there before, else 0}.
 */
export const PRESENCE = `
local e = redis.call('GET', KEYS[2])
if not e then
  redis.call('SET', KEYS[2], ARGV[3])
  e = ARGV[3]
end
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'GET') then return {e, 1} end
return {e, 0}
`;

/**
 * Where a snapshot starts: {epoch (set when missing), the stream's last
 * entry ID ("0-0" when empty), the number of the last change, the highest
 * peer ID taken}. KEYS: epoch, stream, seq, ids. ARGV: a new epoch.
 */
export const HEAD = `
local e = redis.call('GET', KEYS[1])
if not e then
  redis.call('SET', KEYS[1], ARGV[1])
  e = ARGV[1]
end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local id = '0-0'
if #last > 0 then id = last[1][1] end
return {e, id, redis.call('GET', KEYS[3]) or '0', redis.call('GET', KEYS[4]) or '0'}
`;
