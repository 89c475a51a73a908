/**
 * What a server's sessions tell the network of index servers it belongs to
 * (server/redis_network.ts): peer IDs come from it, and every change to this
 * server's own peers goes to it, after the store made it. A server without
 * one (no --redis) is an index of its own, as ever.
 * @module
 */
import type { PeerEntry } from "./peer_entry.ts";

/** The network a server shares its index with. */
export interface IndexNetwork {
  /**
   * A peer ID nobody on the network has had; rejects with ProtocolError
   * LIMIT when none can be had now (Redis away and this server's spare IDs
   * used up).
   */
  newPeerId(): Promise<number>;
  /** A peer joined this server (it is in the store). */
  joined(peer: PeerEntry): void;
  /** This server's peer added or replaced the files of these names (as the store now has them). */
  added(peer: PeerEntry, names: readonly string[]): void;
  /** This server's peer removed the files of these names. */
  removed(peer: PeerEntry, names: readonly string[]): void;
  /** This server's peer left (it is out of the store). */
  left(peerId: number): void;
  /**
   * Set by the index server: drops a peer's connection here, for a peer
   * whose ID turned out to be another server's too (it reconnects and gets
   * a new one).
   */
  dropPeer?: (peerId: number) => void;
  /** Tells the network this server's peers are gone, and disconnects. */
  close(): Promise<void>;
}
