/**
 * Swapmeet wire protocol: constants and message types.
 *
 * Every control message is a frame (4-byte big-endian length, then UTF-8 JSON)
 * whose JSON object has a string `type`. See docs/protocol.md.
 * @module
 */

/**
 * Version sent in HELLO; a server refuses any other. 2: private networks run
 * over TLS and the secret proofs bind both certificates.
 */
export const PROTOCOL_VERSION = 2;

/** Largest frame payload accepted by default (1 MiB). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Default index server port. */
export const DEFAULT_SERVER_PORT = 1234;

/** Default number of results per search reply. */
export const DEFAULT_SEARCH_LIMIT = 100;

/** Wire error codes carried by ERROR messages. */
export type ErrorCode =
  | "BAD_FRAME" // length prefix or JSON not valid
  | "FRAME_TOO_LARGE" // length prefix above the limit
  | "BAD_MESSAGE" // a field is missing or has the wrong type
  | "UNKNOWN_TYPE" // the `type` is not one this side knows
  | "BAD_STATE" // a valid message at the wrong moment (e.g. SEARCH before HELLO)
  | "VERSION" // HELLO with an unsupported protocol version
  | "NOT_FOUND" // the requested file is not shared here
  | "LIMIT" // a limit was exceeded (count, length, connections)
  | "TIMEOUT" // the other side was too slow
  | "AUTH" // the secret handshake failed
  | "INTERNAL"; // an unexpected failure on the replying side

/** A file as a peer registers it. `name` is relative to the share, `/`-separated. */
export interface FileRecord {
  name: string;
  /** Lower-case extension without the dot, or "file" when there is none. */
  type: string;
  size: number;
  /** Modification time, milliseconds since the epoch. */
  mtime: number;
  /** Whole-file SHA-256, 64 lower-case hex digits. */
  sha256: string;
  /** Free-text keywords from files.json; may be empty. */
  description: string;
  /**
   * Chunk size in bytes: always `chunkSizeFor(size)` (shared/chunks.ts); the
   * index refuses a record with any other.
   */
  chunkSize: number;
  /** SHA-256 over the concatenated 32-byte chunk hashes, hex. */
  chunkRoot: string;
  /** True while the holder has only some chunks (a download in progress): CHUNKS tells which. */
  partial?: boolean;
}

/** One holder of a file, as the index server reports it. */
export interface Holder {
  /** Peer ID given by the index server. */
  id: number;
  host: string;
  port: number;
  /** When this holder registered the file (ISO 8601). */
  sharedAt: string;
  /** The name this holder gave the file. */
  name: string;
  /** Round-trip time between the index server and this holder (last heartbeat), in ms. */
  rttMs?: number;
  /** True when this holder has only some chunks yet (see FileRecord.partial). */
  partial?: boolean;
  /** True when the index could not reach this holder's file server when it joined. */
  unproven?: boolean;
  /** Private networks: its TLS certificate (DER, base64) from HELLO; downloaders pin it. */
  cert?: string;
}

/**
 * One variant of a file, (sha256, size, chunkRoot), and every peer that holds
 * it. `name` is the name that matched the search (for LOCATE and LIST, the
 * name most holders give it).
 */
export interface SearchResult extends FileRecord {
  /** Other names holders give this file, most common first (at most 8); absent when none. */
  names?: string[];
  peers: Holder[];
}

/** Peer (or client) greets the server or another peer. */
export interface HelloMessage {
  type: "HELLO";
  version: number;
  /** Port this peer serves files on; 0 for a client that only searches/downloads. */
  port: number;
  name?: string;
  /** Host other peers should dial instead of the address the server sees. */
  host?: string;
  /** Open networks, a peer sharing files: a fresh key (64 hex) its file server proves (HI.proof). */
  hostKey?: string;
  /** Fresh random nonce (64 hex digits): the secret handshake, and the index's host check. */
  nonce?: string;
  /**
   * Private networks (required): the caller's own TLS certificate (DER,
   * base64), bound in both proofs; the index publishes it as the holder's.
   */
  cert?: string;
}
/** Private network only: the answering side proves the secret and challenges the caller. */
export interface ChallengeMessage {
  type: "CHALLENGE";
  status: "ok";
  /** Fresh random nonce (64 hex digits) of the answering side. */
  nonce: string;
  /** The answerer's proof (see shared/handshake.ts serverProof), hex. */
  proof: string;
}
/** Private network only: the caller's answer to CHALLENGE. */
export interface AuthMessage {
  type: "AUTH";
  /** The caller's proof (see shared/handshake.ts clientProof), hex. */
  proof: string;
}
/** Heartbeat from the index server; the peer answers PONG with the same seq. */
export interface PingMessage {
  type: "PING";
  seq: number;
}
/** Answer to PING. */
export interface PongMessage {
  type: "PONG";
  status: "ok";
  seq: number;
}
/** The index server is going away; it closes the connection after this. */
export interface ShutdownMessage {
  type: "SHUTDOWN";
  status: "ok";
  message: string;
}
/** Answer to HELLO. */
export interface HiMessage {
  type: "HI";
  status: "ok";
  /** The peer ID given by the index server (0 from a peer's file server). */
  peerId: number;
  /** Seconds between the server's PINGs (index server only). */
  heartbeat?: number;
  /** A file server, to the index's host check: hostProof(hostKey, nonce) (shared/handshake.ts). */
  proof?: string;
}
/** Adds (or replaces, by name) files shared by this peer. */
export interface RegisterMessage {
  type: "REGISTER";
  files: FileRecord[];
}
/** Answer to REGISTER. */
export interface RegisteredMessage {
  type: "REGISTERED";
  status: "ok";
  /** Files accepted from this REGISTER. */
  count: number;
  /** Files this peer now has on the index. */
  total: number;
}
/** Removes files shared by this peer, by name. */
export interface UnregisterMessage {
  type: "UNREGISTER";
  names: string[];
}
/** Answer to UNREGISTER. */
export interface UnregisteredMessage {
  type: "UNREGISTERED";
  status: "ok";
  count: number;
  total: number;
}
/** Searches names and keywords. */
export interface SearchMessage {
  type: "SEARCH";
  query: string;
  limit?: number;
}
/** Asks for every holder of one content hash. */
export interface LocateMessage {
  type: "LOCATE";
  sha256: string;
}
/** Asks for the files on the network. */
export interface ListMessage {
  type: "LIST";
  limit?: number;
}
/** Answer to SEARCH, LOCATE or LIST when something matched. */
export interface FoundMessage {
  type: "FOUND";
  status: "ok";
  results: SearchResult[];
  /** True when more files matched than `results` holds. */
  truncated: boolean;
}
/** Answer to SEARCH, LOCATE or LIST when nothing matched. */
export interface NotFoundMessage {
  type: "NOT_FOUND";
  status: "not_found";
  query: string;
}
/** Leaves the network; the server answers BYE and closes. */
export interface ByeMessage {
  type: "BYE";
  status?: "ok";
}
/** Peer to peer: asks for a byte range of a file by content hash. */
export interface DownloadMessage {
  type: "DOWNLOAD";
  sha256: string;
  offset?: number;
  length?: number;
}
/** Answer to DOWNLOAD: exactly `size` raw bytes follow this frame. */
export interface FileMessage {
  type: "FILE";
  status: "ok";
  /** Number of raw bytes that follow. */
  size: number;
  /** Offset of the first byte within the file. */
  offset: number;
  /** Size of the whole file. */
  total: number;
}
/** Peer to peer: asks for the per-chunk hashes of a file. */
export interface ChunksMessage {
  type: "CHUNKS";
  sha256: string;
}
/** Answer to CHUNKS. */
export interface ChunkListMessage {
  type: "CHUNK_LIST";
  status: "ok";
  sha256: string;
  size: number;
  chunkSize: number;
  /** SHA-256 of each chunk, hex, in order. */
  hashes: string[];
  /**
   * Only from a holder that has some chunks yet: those it has, as a chunk
   * bitmap in base64 (see shared/chunks.ts). It may ask for no other bytes.
   */
  have?: string;
}
/** Answer to DOWNLOAD when every upload slot is taken; ask again later. */
export interface BusyMessage {
  type: "BUSY";
  status: "busy";
  /** This connection's place in the holder's queue (1 = next). */
  position: number;
}
/** A request failed; for protocol errors the connection closes after it. */
export interface ErrorMessage {
  type: "ERROR";
  status: "error";
  code: ErrorCode;
  message: string;
}

/** Every message of the protocol, discriminated on `type`. */
export type Message =
  | HelloMessage
  | ChallengeMessage
  | AuthMessage
  | HiMessage
  | PingMessage
  | PongMessage
  | ShutdownMessage
  | RegisterMessage
  | RegisteredMessage
  | UnregisterMessage
  | UnregisteredMessage
  | SearchMessage
  | LocateMessage
  | ListMessage
  | FoundMessage
  | NotFoundMessage
  | ByeMessage
  | DownloadMessage
  | FileMessage
  | ChunksMessage
  | ChunkListMessage
  | BusyMessage
  | ErrorMessage;

/** The `type` strings of all messages. */
export type MessageType = Message["type"];

/** The message whose `type` is T. */
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;
