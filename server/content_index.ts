/**
 * File ids by content hash, grouped by variant (size and chunk root) and,
 * within a variant, by peer: first the peers whose file server proved it
 * answers (session.ts), then apart those that did not. A result gathers one
 * holder per peer from the peers in the order they took up the variant, the
 * proven ones first, so however many copies one peer registers, however many
 * unproven peers claim a variant, and however many variants a hash has,
 * building a result touches only what it shows. A hash held by one file
 * costs one map entry.
 * A pure data structure; no I/O.
 * @module
 */
import type { FileRecord } from "../shared/protocol.ts";
import { addId, firstId, type Ids, removeId } from "./id_map.ts";
import { ShardedMap } from "./sharded_map.ts";

/** What adding a file did to its hash's entry (see ContentIndex.add). */
export interface Added {
  variant?: Variant;
  lone?: number;
  loneVariant?: Variant;
}

/** One (sha256, size, chunkRoot) and who holds it. */
export interface Variant {
  /** A number no other variant has while this one exists (numbers are reused). */
  readonly id: number;
  /**
   * Peer → its file ids of this variant, for peers whose file server proved
   * it answers; peers in the order they first registered it.
   */
  readonly holders: Map<number, Ids>;
  /** The same for the other peers (none: undefined). */
  unproven?: Map<number, Ids>;
}

/** Peers holding a variant. */
export function holderCount(v: Variant): number {
  return v.holders.size + (v.unproven?.size ?? 0);
}

/** The map of `v` that has `peer`, if either has. */
function mapOf(v: Variant, peer: number): Map<number, Ids> | undefined {
  return v.holders.has(peer) ? v.holders : v.unproven?.has(peer) ? v.unproven : undefined;
}

/** The files of one content hash, when there are several. */
interface Content {
  count: number;
  /** By `size:chunkRoot`, in the order first registered. */
  variants: Map<string, Variant>;
  /** How many variants of this hash each peer holds. */
  perPeer: Map<number, number>;
}

/** What the index needs of a file to place it. */
type Placed = Pick<FileRecord, "sha256" | "size" | "chunkRoot">;

/** Content hash → its files, by variant and peer. */
export class ContentIndex {
  readonly #bySha = new ShardedMap<string, number | Content>();
  readonly #freeIds: number[] = [];
  #nextId = 0;
  readonly #record: (id: number) => Placed;
  readonly #peerOf: (id: number) => number;
  readonly #unproven: (peer: number) => boolean;
  readonly #added: Added = {};

  /**
   * `record` and `peerOf` describe the files already added; `unproven` tells
   * the peers whose file server did not prove it answers (fixed per peer).
   */
  constructor(
    record: (id: number) => Placed,
    peerOf: (id: number) => number,
    unproven: (peer: number) => boolean = () => false,
  ) {
    this.#record = record;
    this.#peerOf = peerOf;
    this.#unproven = unproven;
  }

  /** Files with this content hash. */
  count(sha256: string): number {
    const v = this.#bySha.get(sha256);
    return v === undefined ? 0 : typeof v === "number" ? 1 : v.count;
  }

  /** The one file of a hash held once (undefined otherwise). */
  lone(sha256: string): number | undefined {
    const v = this.#bySha.get(sha256);
    return typeof v === "number" ? v : undefined;
  }

  /**
   * Adds file `id` (record `r`, held by `peer`), with one lookup of its hash:
   * says the variant it joined (none while its hash has this file alone) and,
   * when it made a lone file's hash shared, that file and the variant it is in.
   * The answer is one object reused by every call (a million files are added
   * in a row): read it before the next call.
   */
  add(id: number, r: Placed, peer: number): Readonly<Added> {
    const out = this.#added;
    out.variant = out.loneVariant = out.lone = undefined;
    const v = this.#bySha.get(r.sha256);
    if (v === undefined) {
      this.#bySha.set(r.sha256, id);
    } else if (typeof v === "number") {
      const content: Content = { count: 0, variants: new Map(), perPeer: new Map() };
      out.loneVariant = this.#join(content, v, this.#record(v), this.#peerOf(v));
      out.lone = v;
      this.#bySha.set(r.sha256, content);
      out.variant = this.#join(content, id, r, peer);
    } else out.variant = this.#join(v, id, r, peer);
    return out;
  }

  /** Removes file `id` (record `r`, held by `peer`). */
  remove(id: number, r: Placed, peer: number): void {
    const v = this.#bySha.get(r.sha256);
    if (v === undefined) return;
    if (typeof v === "number") {
      if (v === id) this.#bySha.delete(r.sha256);
      return;
    }
    const key = keyOf(r);
    const variant = v.variants.get(key);
    const map = variant && mapOf(variant, peer);
    if (!variant || !map) return;
    removeId(map, peer, id);
    v.count--;
    if (!map.has(peer)) {
      const held = v.perPeer.get(peer)! - 1;
      if (held === 0) v.perPeer.delete(peer);
      else v.perPeer.set(peer, held);
      if (map.size === 0 && map === variant.unproven) variant.unproven = undefined;
    }
    if (holderCount(variant) === 0) {
      v.variants.delete(key);
      this.#freeIds.push(variant.id);
    }
    if (v.count === 1) {
      // Back to one file: one map entry again.
      const [last] = v.variants.values();
      this.#freeIds.push(last.id);
      const [ids] = (last.holders.size > 0 ? last.holders : last.unproven!).values();
      this.#bySha.set(r.sha256, firstId(ids)!);
    }
  }

  /** The variant of `r` while its hash has several files (undefined when it is alone). */
  variantOf(r: Placed): Variant | undefined {
    const v = this.#bySha.get(r.sha256);
    return v === undefined || typeof v === "number" ? undefined : v.variants.get(keyOf(r));
  }

  /** Every variant of a hash, in the order first registered. */
  variants(sha256: string): Variant[] {
    const v = this.#bySha.get(sha256);
    if (v === undefined) return [];
    if (typeof v === "number") {
      const peer = this.#peerOf(v);
      const one = new Map([[peer, v]]);
      return [
        this.#unproven(peer)
          ? { id: -1, holders: new Map(), unproven: one }
          : { id: -1, holders: one },
      ];
    }
    return [...v.variants.values()];
  }

  #join(content: Content, id: number, r: Placed, peer: number): Variant {
    const key = keyOf(r);
    let variant = content.variants.get(key);
    if (!variant) {
      variant = { id: this.#freeIds.pop() ?? this.#nextId++, holders: new Map() };
      content.variants.set(key, variant);
    }
    let map = mapOf(variant, peer);
    if (!map) {
      content.perPeer.set(peer, (content.perPeer.get(peer) ?? 0) + 1);
      map = this.#unproven(peer) ? (variant.unproven ??= new Map()) : variant.holders;
    }
    addId(map, peer, id);
    content.count++;
    return variant;
  }

  /** How many variants of this hash `peer` holds. */
  variantsHeld(sha256: string, peer: number): number {
    const v = this.#bySha.get(sha256);
    if (v === undefined) return 0;
    if (typeof v === "number") return this.#peerOf(v) === peer ? 1 : 0;
    return v.perPeer.get(peer) ?? 0;
  }

  /** Whether `peer` holds `r`'s variant already. */
  holds(r: Placed, peer: number): boolean {
    const v = this.#bySha.get(r.sha256);
    if (v === undefined) return false;
    if (typeof v === "number") {
      return this.#peerOf(v) === peer && keyOf(this.#record(v)) === keyOf(r);
    }
    const variant = v.variants.get(keyOf(r));
    return variant !== undefined && mapOf(variant, peer) !== undefined;
  }
}

/** A record's variant within its hash. */
function keyOf(r: Placed): string {
  return `${r.size}:${r.chunkRoot}`;
}
