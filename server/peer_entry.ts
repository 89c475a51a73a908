/**
 * A peer as the index knows it: what downloaders are told about it, where it
 * connected from, and its files.
 * @module
 */

/** A peer on the network as the index knows it. */
export interface PeerEntry {
  id: number;
  /** The address other peers dial. */
  host: string;
  port: number;
  name: string;
  /** The address it connected from: files are counted per address. */
  address: string;
  /** File ids by shared name. */
  files: Map<string, number>;
  /** Last heartbeat round-trip time in milliseconds, when measured. */
  rttMs?: number;
  /** Private networks: the peer's TLS certificate (DER, base64), given to downloaders. */
  cert?: string;
  /**
   * True when the peer shares files but its file server did not prove, when
   * it joined, that it answers at the address given out: its holder entries
   * are listed after those of peers whose file server did.
   */
  unproven?: true;
}
