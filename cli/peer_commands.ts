/**
 * The peer subcommands: share, search, get, peer.
 * @module
 */
import { resolve } from "node:path";
import { IndexClient, type ServerAddress } from "../peer/index_client.ts";
import type { ServerCandidates } from "../peer/index_link.ts";
import { offerDescriptions, runPeerMenu } from "../peer/menu.ts";
import { Peer } from "../peer/peer.ts";
import { createProgress } from "../peer/progress.ts";
import { SwapmeetError } from "../shared/errors.ts";
import { humanBytes, plural } from "../shared/text.ts";
import type { SearchResult } from "../shared/protocol.ts";
import { parseCount, parseFlags, parsePort, parseSecret, UsageError } from "./args.ts";
import { formatResults, shortTime } from "./format.ts";
import { LineReader } from "./line_reader.ts";
import { onShutdown } from "./shutdown.ts";
import { chooseServer, NETWORK_OPTION, SERVER_HELP_LINES } from "./find_server.ts";
import { downloadFile } from "../peer/downloader.ts";
import { parseRate } from "../peer/rate_limiter.ts";

const SERVER_FLAG = `${SERVER_HELP_LINES}
  --secret S          private network secret (default $SWAPMEET_SECRET; none: open network)`;

const UPLOAD_FLAGS =
  `  --max-upload-rate R total upload rate, e.g. 500K, 10M (= 10 MB/s), 1G (default: unlimited)
  --upload-slots N    downloaders served at once; others wait their turn (default 8)`;

/** Help texts of the peer subcommands. */
export const PEER_HELP = {
  share: `Usage: swapmeet share DIR [--server H:P] [--port P] [--advertise HOST] [--name NAME]

Shares DIR (recursively; hidden files, files.json and *.part are skipped) and
serves its files to other peers until Ctrl-C or SIGTERM.

Options:
${SERVER_FLAG}
  --port P            port to serve files on (default 0: any free port)
  --advertise HOST    address other peers should dial (default: as the server sees you)
  --name NAME         a name shown on the server's console
${UPLOAD_FLAGS}
  -h, --help          show this help`,
  search: `Usage: swapmeet search WORDS... [--server H:P] [--json] [--limit N]

Searches file names and keywords on the network. Every word must appear.
Exit code 0 when something matched, 1 when nothing did.

Options:
${SERVER_FLAG}
  --json              print the results as a JSON array
  --limit N           at most N results (default 100)
  -h, --help          show this help`,
  get: `Usage: swapmeet get NAME|SHA256 [--server H:P] [--peer ID] [--out DIR] [--quiet]

Downloads a file by exact name (or the only search match) or by SHA-256. The
file is verified before it gets its name; an existing file is never replaced.
Prints the final path.

Options:
${SERVER_FLAG}
  --peer ID           download only from the peer with this ID
  --out DIR           download folder (default downloads)
  --quiet             no progress output
  -h, --help          show this help`,
  peer: `Usage: swapmeet peer [--server H:P] [--share DIR] [--port P] [--out DIR] [--advertise HOST]

Shares a folder and opens the interactive menu: search and download, list
the network's files, show your shares, quit.

Options:
${SERVER_FLAG}
  --share DIR         folder to share (default testing_files)
  --port P            port to serve files on (default 0: any free port)
  --out DIR           download folder (default downloads)
  --advertise HOST    address other peers should dial
  --name NAME         a name shown on the server's console
${UPLOAD_FLAGS}
  -h, --help          show this help`,
};

/** `swapmeet share DIR ...` */
export async function shareCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    server: { type: "string" },
    ...NETWORK_OPTION,
    secret: { type: "string" },
    port: { type: "string" },
    advertise: { type: "string" },
    name: { type: "string" },
    "max-upload-rate": { type: "string" },
    "upload-slots": { type: "string" },
  }, "share");
  if (values.help) return help("share");
  if (positionals.length !== 1) {
    throw new UsageError("share needs exactly one folder (see: swapmeet share --help)");
  }
  const secret = parseSecret(values.secret);
  const port = values.port === undefined ? 0 : parsePort(values.port, "--port");
  const upload = uploadSettings(values);
  const where = await chooseServer(values);
  const peer = await Peer.start({
    server: where.addresses[0],
    servers: where.servers,
    secret,
    log: (line) => console.log(line),
    shareDir: positionals[0],
    port,
    ...upload,
    corruptUploads: Deno.env.get("SWAPMEET_TEST_CORRUPT") === "1",
    advertise: values.advertise,
    name: values.name,
  }).catch((err) => {
    throw where.explain(err);
  });
  console.log(
    `Peer ${peer.peerId}: sharing ${plural(peer.shares.length, "file")} from ${
      resolve(positionals[0])
    } on port ${peer.port}. Ctrl-C to stop.`,
  );
  await new Promise<void>((resolve) =>
    onShutdown(async () => {
      await peer.close();
      resolve();
    })
  );
  return 0;
}

/** `swapmeet search WORDS...` */
export async function searchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    server: { type: "string" },
    ...NETWORK_OPTION,
    secret: { type: "string" },
    json: { type: "boolean" },
    limit: { type: "string" },
  }, "search");
  if (values.help) return help("search");
  const query = positionals.join(" ").trim();
  if (query === "") {
    throw new UsageError("search needs at least one word (see: swapmeet search --help)");
  }
  const limit = values.limit === undefined ? undefined : parseCount(values.limit, "--limit");
  const secret = parseSecret(values.secret);
  const client = await (await chooseServer(values)).connect({ secret });
  try {
    const { results } = await client.search(query, limit);
    if (values.json) console.log(JSON.stringify(results, null, 2));
    else if (results.length > 0) printResults(results);
    if (results.length === 0) {
      if (!values.json) console.error(`No files match "${query}".`);
      return 1;
    }
    return 0;
  } finally {
    await client.bye();
  }
}

/** `swapmeet get NAME|SHA256` */
export async function getCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    server: { type: "string" },
    ...NETWORK_OPTION,
    secret: { type: "string" },
    peer: { type: "string" },
    out: { type: "string" },
    quiet: { type: "boolean" },
  }, "get");
  if (values.help) return help("get");
  if (positionals.length !== 1) {
    throw new UsageError("get needs one file name or SHA-256 (see: swapmeet get --help)");
  }
  const peerId = values.peer === undefined ? undefined : parseCount(values.peer, "--peer");
  const secret = parseSecret(values.secret);
  const client = await (await chooseServer(values)).connect({ secret });
  let file: SearchResult;
  try {
    file = await resolveTarget(client, positionals[0]);
  } finally {
    await client.bye();
  }
  const progress = createProgress(file.name, file.size, values.quiet ? "quiet" : "auto");
  try {
    const done = await downloadFile(file, {
      outDir: values.out ?? "downloads",
      secret,
      peerId,
      onProgress: (p) => progress.update(p.received, p.sources),
      onNote: values.quiet ? undefined : (line) => {
        progress.done();
        console.error(line);
      },
    });
    progress.done();
    if (!values.quiet) {
      console.error(
        `Verified ${humanBytes(done.bytes)} (SHA-256) from ${plural(done.sources, "source")}.`,
      );
    }
    console.log(done.path);
    return 0;
  } catch (err) {
    progress.done();
    throw err;
  }
}

/** Finds the one file meant by a name or SHA-256. */
async function resolveTarget(client: IndexClient, target: string): Promise<SearchResult> {
  if (/^[0-9a-f]{64}$/i.test(target)) {
    const found = await client.locate(target.toLowerCase());
    if (!found) throw new SwapmeetError(`No peer holds a file with SHA-256 ${target}`);
    return found;
  }
  const { results } = await client.search(target, 1000);
  const lower = target.toLowerCase();
  const exact = results.filter((r) =>
    r.peers.some((p) =>
      p.name.toLowerCase() === lower || p.name.toLowerCase().endsWith(`/${lower}`)
    )
  );
  const candidates = exact.length > 0 ? exact : results;
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    throw new SwapmeetError(`No file named "${target}" is on the network`);
  }
  throw new SwapmeetError(
    `${candidates.length} different files match "${target}"; give one's SHA-256:\n` +
      formatResults(candidates.slice(0, 20)).map((l, i) => `${l}  ${candidates[i].sha256}`).join(
        "\n",
      ),
  );
}

/** `swapmeet peer ...` and menu choice 2. */
export async function peerCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    server: { type: "string" },
    ...NETWORK_OPTION,
    secret: { type: "string" },
    share: { type: "string" },
    port: { type: "string" },
    out: { type: "string" },
    advertise: { type: "string" },
    name: { type: "string" },
    "max-upload-rate": { type: "string" },
    "upload-slots": { type: "string" },
  }, "peer");
  if (values.help) return help("peer");
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}" (see: swapmeet peer --help)`);
  }
  const secret = parseSecret(values.secret);
  const port = values.port === undefined ? 0 : parsePort(values.port, "--port");
  const upload = uploadSettings(values);
  const where = await chooseServer(values);
  await runPeer({
    server: where.addresses[0],
    servers: where.servers,
    explain: where.explain,
    secret,
    shareDir: values.share ?? "testing_files",
    ...upload,
    port,
    outDir: values.out ?? "downloads",
    advertise: values.advertise,
    name: values.name,
  }, new LineReader());
  return 0;
}

/** Settings of an interactive peer. */
export interface PeerSettings {
  server: ServerAddress;
  /** Where the sharing link (re)connects; without it, `server` only. */
  servers?: ServerCandidates;
  /** The error to show when the index server cannot be reached at start. */
  explain?: (err: unknown) => unknown;
  shareDir: string;
  port: number;
  outDir: string;
  advertise?: string;
  name?: string;
  secret?: string;
  maxUploadRate?: number;
  uploadSlots?: number;
}

function uploadSettings(values: { "max-upload-rate"?: string; "upload-slots"?: string }) {
  let maxUploadRate: number | undefined;
  if (values["max-upload-rate"] !== undefined) {
    try {
      maxUploadRate = parseRate(values["max-upload-rate"]);
    } catch (err) {
      throw new UsageError(`--max-upload-rate: ${(err as Error).message}`);
    }
  }
  const slots = values["upload-slots"];
  return {
    maxUploadRate,
    uploadSlots: slots === undefined ? undefined : parseCount(slots, "--upload-slots"),
  };
}

/** Shares a folder and runs the interactive menu until quit. */
export async function runPeer(settings: PeerSettings, lines: LineReader): Promise<void> {
  if (Deno.stdin.isTerminal()) await offerDescriptions(settings.shareDir, lines);
  const peer = await Peer.start({ ...settings, log: (line) => console.log(line) }).catch((err) => {
    throw settings.explain?.(err) ?? err;
  });
  onShutdown(() => peer.close());
  console.log(
    `Peer ${peer.peerId}: sharing ${plural(peer.shares.length, "file")} from ${
      resolve(settings.shareDir)
    } on port ${peer.port}; downloads go to ${peer.outDir}.`,
  );
  try {
    await runPeerMenu(peer, lines);
  } finally {
    await peer.close();
    console.log("Bye.");
  }
}

function printResults(results: SearchResult[]): void {
  const lines = formatResults(results);
  results.forEach((r, i) => {
    console.log(lines[i]);
    for (const p of r.peers) {
      const notes = (p.rttMs === undefined ? "" : `  ping ${p.rttMs} ms`) +
        (p.partial ? "  (still downloading: some chunks)" : "");
      console.log(
        `       peer ${p.id}  ${p.host}:${p.port}  shared ${shortTime(p.sharedAt)} UTC${notes}`,
      );
    }
  });
}

function help(command: keyof typeof PEER_HELP): number {
  console.log(PEER_HELP[command]);
  return 0;
}
