/**
 * The peer facade the CLI calls: joins an index, shares a folder (kept in step
 * as it changes), searches, downloads from many holders at once, shares what
 * it downloaded, leaves.
 * @module
 */
import { basename, resolve } from "node:path";
import { safeFileName } from "../shared/file_names.ts";
import type { SearchResult } from "../shared/protocol.ts";
import { plural } from "../shared/text.ts";
import { LocalWriteError, SwapmeetError } from "../shared/errors.ts";
import { downloadFile, type DownloadOptions, type DownloadResult } from "./downloader.ts";
import { DownloadShare, shareDownloadFolder, type ShareLink } from "./download_share.ts";
import { type FileServer, startFileServer, type UploadTransform } from "./file_server.ts";
import type { ResultPage, ServerAddress } from "./index_client.ts";
import { IndexLink, type ServerCandidates } from "./index_link.ts";
import { findLocalCopy, type LocalCopy } from "./local_copy.ts";
import { scanShare, type SharedFile, toRecord } from "./share_folder.ts";
import { ShareSet } from "./share_set.ts";
import { ephemeralIdentity, type TlsIdentity } from "../net/tls_identity.ts";
import { type ShareWatcher, watchShare } from "./share_watcher.ts";

/** Options for Peer.start. */
export interface PeerOptions {
  server: ServerAddress;
  /** Where to (re)connect, asked before every attempt; without it, `server` only. */
  servers?: ServerCandidates;
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
  /** Share what earlier runs left in the downloads folder too (the interactive peer does). */
  shareDownloads?: boolean;
  /** Time allowed for connecting and for each reply. */
  timeoutMs?: number;
  /** Downloads give up when no holder sent anything for this long (default 60 s). */
  stallMs?: number;
  /** Private network secret, for the index server and for other peers. */
  secret?: string;
  /**
   * Private networks: this peer's TLS identity, for its file server and its
   * handshakes (default: one made for this process only).
   */
  identity?: TlsIdentity;
  /** First reconnection delay after losing the index server (default 1 s). */
  backoffInitialMs?: number;
  /** Downloader connections served at once (default 8). */
  uploadSlots?: number;
  /** Total upload rate, bytes per second (default unlimited). */
  maxUploadRate?: number;
  /** Keep the index in step with the share folder as it changes (default true). */
  watch?: boolean;
  /** Changes file data before it is sent (tests play a dishonest holder with it). */
  uploadTransform?: UploadTransform;
  /** Where status lines go (index server lost or back, share changes, re-shares). */
  log?: (line: string) => void;
}

/** Options for Peer.download. */
export interface PeerDownloadOptions extends Omit<DownloadOptions, "outDir" | "onPartial"> {
  /** Download folder (default: the peer's). */
  outDir?: string;
  /** Download even when this content is already shared here or in the download folder. */
  again?: boolean;
}

/** A finished download, or the copy that was already here (nothing downloaded). */
export type PeerDownload = DownloadResult & { existing?: LocalCopy };

/** A peer on the network. */
export class Peer {
  readonly outDir: string;
  readonly #shares: ShareSet;
  readonly #index: IndexLink;
  readonly #fileServer: FileServer | null;
  readonly #options: PeerOptions;
  /** What a shared download needs: the share set and the index, when connected. */
  readonly #shareLink: ShareLink;
  #watcher: ShareWatcher | null = null;
  #closed = false;

  private constructor(
    index: IndexLink,
    fileServer: FileServer | null,
    shares: ShareSet,
    options: PeerOptions,
  ) {
    this.#index = index;
    this.#fileServer = fileServer;
    this.#shares = shares;
    this.#shareLink = {
      shares,
      register: async (files) => {
        if (!index.connected) return;
        await index.client.register(files.map(toRecord)).catch((err) =>
          options.log?.(`Could not register ${files[0]?.name}: ${(err as Error).message}`)
        );
      },
      unregister: async (names) => {
        if (index.connected) await index.client.unregister(names).catch(() => {});
      },
      log: options.log,
    };
    this.outDir = resolve(options.outDir ?? "downloads");
    this.#options = options;
  }

  /** Scans the share (if any), starts serving it, joins the index and registers the files. */
  static async start(options: PeerOptions): Promise<Peer> {
    if (options.secret && !options.identity) {
      options = { ...options, identity: await ephemeralIdentity() };
    }
    const scan = options.shareDir === undefined ? null : await scanShare(options.shareDir);
    if (scan?.badNames) {
      options.log?.(
        `Not shared: ${
          plural(scan.badNames, "file")
        } whose name the network cannot take (control characters, or longer than 1,024 characters).`,
      );
    }
    const outDir = resolve(options.outDir ?? "downloads");
    const shares = new ShareSet(scan?.files ?? [], basename(outDir));
    // A sharing peer goes on sharing what it downloaded in earlier runs.
    if (scan && options.shareDownloads) await shareDownloadFolder(shares, outDir, scan.root);
    const fileServer = scan === null ? null : startFileServer((sha) => shares.lookup(sha), {
      hostname: options.hostname,
      port: options.port ?? 0,
      secret: options.secret,
      identity: options.identity,
      uploadSlots: options.uploadSlots,
      maxUploadRate: options.maxUploadRate,
      uploadTransform: options.uploadTransform,
    });
    try {
      const index = await IndexLink.start(options.servers ?? options.server, {
        port: fileServer?.addr.port ?? 0,
        name: options.name,
        advertise: options.advertise,
        hostKeys: fileServer?.hostKeys,
        timeoutMs: options.timeoutMs,
        secret: options.secret,
        identity: options.identity,
        backoffInitialMs: options.backoffInitialMs,
        log: options.log,
      }, () => shares.records());
      const peer = new Peer(index, fileServer, shares, options);
      if (scan && options.watch !== false) {
        peer.#watcher = watchShare(scan.root, () => peer.#rescan());
      }
      return peer;
    } catch (err) {
      await fileServer?.close();
      throw err;
    }
  }

  /** Files this peer shares (folder and completed downloads). */
  get shares(): SharedFile[] {
    return this.#shares.files;
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

  /**
   * The one download entry point (`get` and the menu): fetches a result from
   * every holder but this peer, saved as `saveAs` (default: its name). Content
   * already shared here or in the download folder is not fetched again unless
   * `again` (the result names the copy: `existing`). A sharing peer shares the
   * download while it runs and, once done, as a new source.
   * @example
   * const done = await peer.download(hit, { saveAs: hit.peers[0].name });
   */
  async download(file: SearchResult, options: PeerDownloadOptions = {}): Promise<PeerDownload> {
    const outDir = resolve(options.outDir ?? this.outDir);
    const self = this.peerId;
    if (options.peerId === self) throw new SwapmeetError(`Peer ${self} is you: pick another one`);
    const others = file.peers.filter((p) => p.id !== self);
    if (!options.again) {
      const name = safeFileName(options.saveAs ?? file.name, "");
      const existing = await findLocalCopy(file.sha256, file.size, this.shares, outDir, name);
      if (existing) return { path: existing.path, bytes: 0, sources: 0, resumedBytes: 0, existing };
    }
    if (others.length === 0) throw new SwapmeetError(`Nobody but you holds ${file.name}`);
    try {
      return await this.#fetch({ ...file, peers: others }, options, outDir);
    } catch (err) {
      // Holders that registered the same bytes with another size or chunk root are another
      // variant: when this one fails, the others are tried, most held first.
      if (err instanceof LocalWriteError || !this.connected || options.signal?.aborted) throw err;
      const tried = (v: SearchResult) => v.size === file.size && v.chunkRoot === file.chunkRoot;
      const variants = await this.#index.client.variants(file.sha256).catch(() => []);
      for (const v of variants.filter((v) => !tried(v))) {
        const holders = v.peers.filter((p) => p.id !== self);
        if (holders.length === 0) continue;
        try {
          return await this.#fetch({ ...v, peers: holders }, options, outDir);
        } catch (next) {
          if (next instanceof LocalWriteError) throw next;
        }
      }
      throw err;
    }
  }

  /** Downloads one variant, shared while it runs and afterwards when this peer shares. */
  async #fetch(
    file: SearchResult,
    options: PeerDownloadOptions,
    outDir: string,
  ): Promise<PeerDownload> {
    const share = this.#fileServer ? new DownloadShare(this.#shareLink, file) : null;
    let done: DownloadResult;
    try {
      done = await downloadFile(file, {
        timeoutMs: this.#options.timeoutMs,
        stallMs: this.#options.stallMs,
        secret: this.#options.secret,
        identity: this.#options.identity,
        ...options,
        onPartial: share?.onPartial,
        outDir,
      });
    } catch (err) {
      await share?.failed();
      throw err;
    }
    await share?.done(done).catch(() => share.failed());
    return done;
  }

  /** Says BYE to the index, stops watching and serving, and cuts running uploads. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watcher?.close();
    await Promise.all([this.#index.close(), this.#fileServer?.close()]);
  }

  async #rescan(): Promise<void> {
    if (this.#closed || this.#options.shareDir === undefined) return;
    const scan = await scanShare(this.#options.shareDir);
    const { changed, removed } = this.#shares.applyScan(scan.files);
    if (changed.length === 0 && removed.length === 0) return;
    if (this.#index.connected) {
      const client = this.#index.client;
      if (removed.length > 0) await client.unregister(removed);
      if (changed.length > 0) await client.register(changed.map(toRecord));
    }
    const updated = plural(changed.length, "file");
    this.#options.log?.(
      `Share folder changed: ${updated} added or updated, ${removed.length} removed.`,
    );
  }
}
