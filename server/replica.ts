/**
 * One server's copy of a network's index, when several servers share one
 * (server/redis_network.ts). Its IndexStore holds the peers whose sessions
 * run here ("local": this server changes them, and tells the others) and
 * every other server's peers, as their changes (changes.ts) arrive. Applying
 * a change sets the state it names, and skips what is already so: a change
 * applied twice, or after a snapshot that holds it already, changes nothing.
 * Searches read the store as ever. No I/O.
 * @module
 */
import type { FileRecord } from "../shared/protocol.ts";
import { type Change, type PeerInfo, type SharedRecord, sharedRecord } from "./changes.ts";
import type { IndexStore } from "./index_store.ts";
import { VOCABULARY_LIMITS } from "./vocabulary.ts";
import type { PeerEntry } from "./peer_entry.ts";
import type { TimeSlice } from "./time_slice.ts";

/**
 * What applying a change did: "applied" (or found it so already), "stale"
 * (about a peer not here: it left), or "local": it is about a peer of this
 * server, which only this server changes, so it was not applied.
 */
export type Applied = "applied" | "stale" | "local";

/** A peer as a snapshot of the network holds it. */
export interface SnapshotPeer {
  info: PeerInfo;
  /** The server whose peer it is. */
  owner: string;
  files: SharedRecord[];
}

/** A peer's state, for comparing replicas. */
export interface PeerState {
  info: PeerInfo;
  files: Map<string, SharedRecord>;
}

/** A server's copy of the network's index. */
export class Replica {
  readonly store: IndexStore;
  /** This server's ID on the network. */
  readonly self: string;
  readonly #local = new Set<number>();
  /** Other servers' peers: their server. */
  readonly #owners = new Map<number, string>();
  #highestId = 0;

  constructor(store: IndexStore, self: string) {
    this.store = store;
    this.self = self;
  }

  /** The highest peer ID seen taken on the network (given out, or in a block taken). */
  get highestId(): number {
    return this.#highestId;
  }

  /** Notes that peer IDs up to `id` are taken. */
  noteId(id: number): void {
    if (id > this.#highestId) this.#highestId = id;
  }

  /** This server's own peers (their sessions run here). */
  get localPeers(): ReadonlySet<number> {
    return this.#local;
  }

  /** A peer of this server joined (already in the store). */
  addLocal(id: number): void {
    this.#local.add(id);
    this.noteId(id);
  }

  /** A peer of this server left. */
  removeLocal(id: number): void {
    this.#local.delete(id);
  }

  /** Other servers' peers, by server. */
  servers(): Map<string, number[]> {
    const by = new Map<string, number[]>();
    for (const [id, owner] of this.#owners) {
      const ids = by.get(owner);
      if (ids) ids.push(id);
      else by.set(owner, [id]);
    }
    return by;
  }

  /** Applies a change made by server `origin` (see Applied). `slice` paces large ones. */
  async apply(change: Change, origin: string, slice?: TimeSlice): Promise<Applied> {
    if (change.op === "ids") {
      this.noteId(change.upTo);
      return "applied";
    }
    const id = change.op === "peer" ? change.peer.id : change.peer;
    this.noteId(id);
    if (this.#local.has(id)) return "local";
    const store = this.store;
    let peer = store.getPeer(id);
    switch (change.op) {
      case "peer": {
        if (peer && !sameInfo(peer, change.peer)) {
          await store.removePeer(id);
          peer = undefined;
        }
        peer ??= store.addPeer(change.peer);
        this.#owners.set(id, origin);
        if (peer.files.size > 0) {
          const wanted = new Set(change.files.map((f) => f.name));
          const gone = [...peer.files.keys()].filter((name) => !wanted.has(name));
          if (gone.length > 0) await store.unregister(id, gone);
        }
        await this.#upsert(peer, change.files, slice);
        return "applied";
      }
      case "add":
        if (!peer) return "stale";
        await this.#upsert(peer, change.files, slice);
        return "applied";
      case "remove":
        if (!peer) return "stale";
        await store.unregister(id, change.names);
        return "applied";
      case "leave":
        if (!peer) return "stale";
        this.#owners.delete(id);
        await store.removePeer(id);
        return "applied";
    }
  }

  /**
   * Applies a snapshot of the network's peers (in batches, as they are read).
   * Peers of this server in it are skipped: this server knows them better.
   * When `authoritative`, other servers' peers not in it are dropped (they
   * left); after Redis lost its data a snapshot is not, and they stay until
   * their servers publish them again or are found gone.
   */
  async applySnapshot(
    batches: AsyncIterable<SnapshotPeer[]> | Iterable<SnapshotPeer[]>,
    authoritative: boolean,
    slice?: TimeSlice,
  ): Promise<void> {
    const seen = new Set<number>();
    for await (const batch of batches) {
      for (const p of batch) {
        seen.add(p.info.id);
        this.noteId(p.info.id);
        if (p.owner === this.self) continue; // one of ours, or was: what we publish tells
        await this.apply({ op: "peer", peer: p.info, files: p.files }, p.owner, slice);
      }
    }
    if (!authoritative) return;
    for (const id of [...this.#owners.keys()]) {
      if (!seen.has(id)) await this.apply({ op: "leave", peer: id }, this.self, slice);
    }
  }

  /** A peer's records as kept (all, or those of `names` it has), with their times. */
  records(peer: PeerEntry, names: Iterable<string> = peer.files.keys()): SharedRecord[] {
    const out: SharedRecord[] = [];
    for (const name of names) {
      const id = peer.files.get(name);
      const file = id === undefined ? undefined : this.store.file(id);
      if (file) out.push(sharedRecord(file.record, file.sharedAt));
    }
    return out;
  }

  /** A local peer's whole state as a change, to publish again; null when it is gone. */
  fullState(id: number): Change | null {
    const peer = this.store.getPeer(id);
    if (!peer || !this.#local.has(id)) return null;
    return { op: "peer", peer: infoOf(peer), files: this.records(peer) };
  }

  /** Every peer's state (local and others'), by ID, for comparing replicas. */
  state(): Map<number, PeerState> {
    const out = new Map<number, PeerState>();
    for (const id of [...this.#local, ...this.#owners.keys()]) {
      const peer = this.store.getPeer(id);
      if (!peer) continue;
      const files = new Map(this.records(peer).map((r) => [r.name, r]));
      out.set(id, { info: infoOf(peer), files });
    }
    return out;
  }

  /** Adds or replaces the records that differ from what the peer has. */
  async #upsert(peer: PeerEntry, files: SharedRecord[], slice?: TimeSlice): Promise<void> {
    const changed = peer.files.size === 0 ? files : files.filter((f) => {
      const id = peer.files.get(f.name);
      const file = id === undefined ? undefined : this.store.file(id);
      return !file || file.sharedAt !== f.sharedAt || !sameRecord(file.record, f);
    });
    if (changed.length === 0) return;
    await this.store.register(peer.id, changed, {
      sharedAt: (r) => (r as SharedRecord).sharedAt,
      slice,
      // The peer's own server admitted these words under its limits: the copy takes them all,
      // so every server answers a search alike (only the whole vocabulary's cap still holds).
      vocabularyPerAddress: VOCABULARY_LIMITS.total,
    });
  }
}

/** The part of a peer entry the network keeps. */
export function infoOf(p: PeerEntry): PeerInfo {
  const info: PeerInfo = { id: p.id, host: p.host, port: p.port, name: p.name, address: p.address };
  if (p.cert) info.cert = p.cert;
  if (p.unproven) info.unproven = true;
  return info;
}

function sameInfo(a: PeerEntry, b: PeerInfo): boolean {
  return a.host === b.host && a.port === b.port && a.name === b.name &&
    a.address === b.address && (a.cert ?? "") === (b.cert ?? "") &&
    (a.unproven === true) === (b.unproven === true);
}

function sameRecord(a: FileRecord, b: FileRecord): boolean {
  return a.name === b.name && a.type === b.type && a.size === b.size && a.mtime === b.mtime &&
    a.sha256 === b.sha256 && a.description === b.description && a.chunkSize === b.chunkSize &&
    a.chunkRoot === b.chunkRoot && (a.partial === true) === (b.partial === true);
}
