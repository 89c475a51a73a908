/**
 * Holders for download tests: real file servers on 127.0.0.1 sharing a temp
 * folder, and fake ones whose every connection runs a script after HELLO.
 * @module
 */
import { type FileServerOptions, startFileServer } from "../../peer/file_server.ts";
import { scanShare, type SharedFile } from "../../peer/share_folder.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { acceptHello } from "../../shared/handshake.ts";
import type { Holder, Message, SearchResult } from "../../shared/protocol.ts";
import { type TempDir, tempDir } from "../_helpers.ts";

/** A real file server sharing one file, and its holder record. */
export interface RealHolder extends AsyncDisposable {
  file: SharedFile;
  holder: Holder;
  close(): Promise<void>;
}

/** Shares `content` as `name` from a fresh folder on a file server (port 0). */
export async function realHolder(
  name: string,
  content: Uint8Array,
  id: number,
  options: FileServerOptions & { rttMs?: number } = {},
): Promise<RealHolder> {
  const dir: TempDir = await tempDir({ [name]: content });
  const [file] = (await scanShare(dir.path)).files;
  const fs = startFileServer((sha) => sha === file.sha256 ? file : undefined, {
    hostname: "127.0.0.1",
    port: 0,
    ...options,
  });
  const close = async () => {
    await fs.close();
    await dir[Symbol.asyncDispose]();
  };
  return {
    file,
    holder: holderAt(id, fs.addr.port, name, options.rttMs),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A holder record for 127.0.0.1:`port`. */
export function holderAt(id: number, port: number, name: string, rttMs?: number): Holder {
  return {
    id,
    host: "127.0.0.1",
    port,
    sharedAt: "2026-11-30T12:00:00.000Z",
    name,
    ...(rttMs === undefined ? {} : { rttMs }),
  };
}

/** The CHUNK_LIST a holder of `file` sends (with `have`: a holder still downloading). */
export function chunkListOf(file: SharedFile, have?: string): Message {
  return {
    type: "CHUNK_LIST",
    status: "ok",
    sha256: file.sha256,
    size: file.size,
    chunkSize: file.chunkSize,
    hashes: file.chunkHashes,
    ...(have === undefined ? {} : { have }),
  };
}

/** The search result for a shared file with these holders. */
export function resultOf(file: SharedFile, peers: Holder[]): SearchResult {
  const { name, type, size, mtime, sha256, description, chunkSize, chunkRoot } = file;
  return { name, type, size, mtime, sha256, description, chunkSize, chunkRoot, peers };
}

/** A fake holder: a TCP listener whose every connection runs `script` after HELLO/HI. */
export interface FakeHolder extends AsyncDisposable {
  port: number;
  /** DOWNLOAD requests received, counted by the script through `count`. */
  downloads: number;
}

/** Starts a fake holder; the script gets each connection past HELLO and a counter. */
export function fakeHolder(
  script: (conn: MessageConnection, counter: { downloads: number }) => Promise<void>,
): FakeHolder {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<MessageConnection>();
  const counter = { downloads: 0 };
  const running = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const tcp of listener) {
      const conn = new MessageConnection(tcp);
      conns.add(conn);
      const run = (async () => {
        await acceptHello(conn, { timeoutMs: 5_000 });
        await conn.send({ type: "HI", status: "ok", peerId: 0 });
        await script(conn, counter);
      })().catch(() => {}).finally(() => {
        conn.close();
        conns.delete(conn);
        running.delete(run);
      });
      running.add(run);
    }
  })();
  return {
    port: listener.addr.port,
    get downloads() {
      return counter.downloads;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) c.close();
      await loop.catch(() => {});
      await Promise.all(running);
    },
  };
}
