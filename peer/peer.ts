/**
 * The peer facade that the menu and the subcommands call: joins an index,
 * shares a folder, searches, downloads, leaves.
 * @module
 */
import { resolve } from "node:path";
import type { SearchResult } from "../shared/protocol.ts";
import { downloadFile, type DownloadOptions, type DownloadResult } from "./downloader.ts";
import { type FileServer, startFileServer } from "./file_server.ts";
import type { ResultPage, ServerAddress } from "./index_client.ts";
import { IndexLink } from "./index_link.ts";
import { scanShare, type SharedFile } from "./share_folder.ts";

/** Options for Peer.start. */
export interface PeerOptions {
  server: ServerAddress;
  /** Folder to share; without it the peer only searches and downloads. */
  shareDir?: string;
  /** Port of the file server (0: any free port). */
  port?: number;
  /** Address the file server binds (default 0.0.0.0). */
  hostname?: string;
  /** Host other peers should dial, when not the address the server sees. */
  advertise?: string;
  name?: string;
  /** Downloads folder (default `downloads`). */
  outDir?: string;
  /** Time allowed for connecting and for each reply. */
  timeoutMs?: number;
  /** Private network secret, for the index server and for other peers. */
  secret?: string;
  /** First reconnection delay after losing the index server (default 1 s). */
  backoffInitialMs?: number;
  /** Where status lines about the index server go. */
  log?: (line: string) => void;
}

/** A peer on the network. */
export class Peer {
  /** Files this peer shares. */
  readonly shares: SharedFile[];
  readonly outDir: string;
  readonly #index: IndexLink;
  readonly #fileServer: FileServer | null;
  readonly #options: PeerOptions;
  #closed = false;

  private constructor(
    index: IndexLink,
    fileServer: FileServer | null,
    shares: SharedFile[],
    options: PeerOptions,
  ) {
    this.#index = index;
    this.#fileServer = fileServer;
    this.shares = shares;
    this.outDir = resolve(options.outDir ?? "downloads");
    this.#options = options;
  }

  /** Scans the share (if any), starts serving it, joins the index and registers the files. */
  static async start(options: PeerOptions): Promise<Peer> {
    const shares = options.shareDir === undefined ? [] : await scanShare(options.shareDir);
    const bySha = new Map(shares.map((f) => [f.sha256, f]));
    const fileServer = options.shareDir === undefined
      ? null
      : startFileServer((sha) => bySha.get(sha), {
        hostname: options.hostname,
        port: options.port ?? 0,
        secret: options.secret,
      });
    try {
      const records = shares.map(({ path: _path, ...record }) => record);
      const index = await IndexLink.start(options.server, {
        port: fileServer?.addr.port ?? 0,
        name: options.name,
        advertise: options.advertise,
        timeoutMs: options.timeoutMs,
        secret: options.secret,
        backoffInitialMs: options.backoffInitialMs,
        log: options.log,
      }, () => records);
      return new Peer(index, fileServer, shares, options);
    } catch (err) {
      await fileServer?.close();
      throw err;
    }
  }

  /** The ID the index server gave this peer (new after a reconnection; 0 while away). */
  get peerId(): number {
    return this.#index.peerId;
  }

  /** Whether the index server is connected right now. */
  get connected(): boolean {
    return this.#index.connected;
  }

  /** Port the file server listens on (0 when not sharing). */
  get port(): number {
    return this.#fileServer?.addr.port ?? 0;
  }

  /** Searches the network by file name or keyword. */
  async search(query: string, limit?: number): Promise<ResultPage> {
    return await this.#index.client.search(query, limit);
  }

  /** Current holders of one content hash. */
  async locate(sha256: string): Promise<SearchResult | null> {
    return await this.#index.client.locate(sha256);
  }

  /** Files on the network. */
  async list(limit?: number): Promise<ResultPage> {
    return await this.#index.client.list(limit);
  }

  /** Downloads a search result into the downloads folder. */
  download(
    file: SearchResult,
    options: Omit<DownloadOptions, "outDir"> & { outDir?: string } = {},
  ): Promise<DownloadResult> {
    // Never download from ourselves when someone else has the file.
    const others = file.peers.filter((p) => p.id !== this.peerId);
    const source = options.peerId === undefined && others.length > 0
      ? { ...file, peers: others }
      : file;
    return downloadFile(source, {
      timeoutMs: this.#options.timeoutMs,
      secret: this.#options.secret,
      ...options,
      outDir: options.outDir ?? this.outDir,
    });
  }

  /** Says BYE to the index, stops serving and cuts running uploads. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#index.close(), this.#fileServer?.close()]);
  }
}
