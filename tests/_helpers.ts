/**
 * Test helpers: temp folders, a test network on port 0, polling with a
 * deadline, and running main.ts as a subprocess (in-memory pipes: _pipes.ts).
 * @module
 */
import { dirname, join } from "node:path";
import type { UploadTransform } from "../peer/file_server.ts";
import { fileURLToPath } from "node:url";
import { type IndexServer, startIndexServer } from "../server/index_server.ts";

/** The project's root folder. */
export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** main.ts, for subprocess tests. */
export const MAIN = join(ROOT, "main.ts");

/** A temporary folder removed on dispose. */
export interface TempDir extends AsyncDisposable {
  path: string;
}

/** Creates a temp folder holding `files` (name → content; names may contain `/`). */
export async function tempDir(files: Record<string, string | Uint8Array> = {}): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "swapmeet_test_" });
  for (const [name, content] of Object.entries(files)) {
    const full = join(path, name);
    await Deno.mkdir(dirname(full), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(full, content);
    else await Deno.writeFile(full, content);
  }
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** Whether this process may mount file systems (root on Linux): small-disk tests need it. */
export function canMount(): boolean {
  return Deno.build.os === "linux" && Deno.uid() === 0;
}

/**
 * A temp folder on its own tmpfs of `bytes` (root only; see canMount), to
 * see what a full disk does. Unmounted and removed on dispose.
 */
export async function smallDisk(bytes: number): Promise<TempDir> {
  const dir = await tempDir();
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", dir.path],
  }).output();
  if (!mount.success) throw new Error(`mount failed: ${new TextDecoder().decode(mount.stderr)}`);
  return {
    path: dir.path,
    async [Symbol.asyncDispose]() {
      await new Deno.Command("umount", { args: [dir.path] }).output();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** Deterministic pseudo-random bytes (xorshift), so content is reproducible. */
export function randomBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** SHA-256 of bytes as hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** An index server on 127.0.0.1, any free port, whose log lines are kept. */
export interface TestServer extends AsyncDisposable {
  server: IndexServer;
  port: number;
  address: { host: string; port: number };
  lines: string[];
}

/** Starts an index server for a test. */
export function testServer(options: Parameters<typeof startIndexServer>[0] = {}): TestServer {
  const lines: string[] = [];
  const server = startIndexServer({
    hostname: "127.0.0.1",
    port: 0,
    log: (l) => lines.push(l),
    ...options,
  });
  return {
    server,
    port: server.addr.port,
    address: { host: "127.0.0.1", port: server.addr.port },
    lines,
    async [Symbol.asyncDispose]() {
      await server.close();
    },
  };
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A running subprocess of main.ts (or any deno script) with its output kept. */
export class Proc implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  stdout = "";
  stderr = "";
  readonly #done: Promise<Deno.CommandStatus>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | null;
  readonly #group: boolean;

  /**
   * Runs `deno run main.ts ARGS` (or `script`), or with `argv` any command
   * (such as `deno task start ...`). The environment is this process's, less
   * the folder a `deno task` around the tests may have left (INIT_CWD).
   * `group` runs it in a process group of its own (as a terminal runs a
   * command): signals go to the whole group, as Ctrl-C does, and disposal
   * kills every process in it (`deno task` has a child).
   */
  constructor(
    args: string[],
    options: {
      cwd?: string;
      stdin?: boolean;
      env?: Record<string, string>;
      script?: string;
      argv?: string[];
      group?: boolean;
      /** Run inside this network namespace (`ip netns exec`; tests/e2e/_netns.ts). */
      netns?: string;
    } = {},
  ) {
    this.#group = options.group ?? false;
    const command = options.argv ?? [
      Deno.execPath(),
      "run",
      "--allow-all",
      "--no-lock",
      "--config",
      join(ROOT, "deno.json"),
      options.script ?? MAIN,
      ...args,
    ];
    const inNetns = options.netns ? ["ip", "netns", "exec", options.netns] : [];
    const argv = [...(this.#group ? ["setsid", "--wait"] : []), ...inNetns, ...command];
    const env = Deno.env.toObject();
    delete env.INIT_CWD;
    delete env.SWAPMEET_CWD;
    this.child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: options.cwd ?? ROOT,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      // No multicast onto this machine's real LAN from tests: LAN tests run in their own
      // network namespaces and turn it back on (tests/e2e/_netns.ts).
      env: { ...env, NO_COLOR: "1", SWAPMEET_MDNS: "off", ...options.env },
    }).spawn();
    this.#stdin = options.stdin ? this.child.stdin.getWriter() : null;
    const collect = async (stream: ReadableStream<Uint8Array>, key: "stdout" | "stderr") => {
      const dec = new TextDecoder();
      for await (const chunk of stream) this[key] += dec.decode(chunk, { stream: true });
    };
    const out = collect(this.child.stdout, "stdout");
    const err = collect(this.child.stderr, "stderr");
    this.#done = Promise.all([out, err]).then(() => this.child.status);
  }

  /** Writes text to the process's stdin. */
  async write(text: string): Promise<void> {
    await this.#stdin!.write(new TextEncoder().encode(text));
  }

  /** Closes the process's stdin. */
  async closeStdin(): Promise<void> {
    await this.#stdin?.close().catch(() => {});
  }

  /** Waits until stdout matches `re`; returns the match. */
  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return await waitFor(
      () => this.stdout.match(re),
      `${re} in output:\n${this.stdout}\n${this.stderr}`,
      timeoutMs,
    );
  }

  /** Waits for the process to exit (with a deadline) and returns its status. */
  async status(timeoutMs = 30_000): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        this.#done,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`process did not exit:\n${this.stdout}\n${this.stderr}`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal, to the whole group when it has one (ignored when already gone). */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      if (this.#group) Deno.kill(-this.child.pid, signal);
      else this.child.kill(signal);
    } catch { /* already exited */ }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.closeStdin();
    this.kill("SIGKILL");
    await this.#done.catch(() => {});
  }
}

/** Runs main.ts to completion and returns its exit code and output. */
export async function runMain(
  args: string[],
  options: {
    cwd?: string;
    stdinText?: string;
    script?: string;
    env?: Record<string, string>;
    netns?: string;
  } = {},
) {
  await using p = new Proc(args, { ...options, stdin: options.stdinText !== undefined });
  if (options.stdinText !== undefined) {
    await p.write(options.stdinText);
    await p.closeStdin();
  }
  const { code } = await p.status();
  return { code, stdout: p.stdout, stderr: p.stderr };
}

/** An upload transform that flips the first byte of every piece sent: every chunk is wrong. */
export const corruptEveryPiece: UploadTransform = (bytes) => {
  bytes[0] ^= 0xff;
};

/** An upload transform that flips the file's first byte: only chunk 0 is wrong. */
export const corruptFirstChunk: UploadTransform = (bytes, offset) => {
  if (offset === 0) bytes[0] ^= 0xff;
};

/** The command line of `deno task start ARGS` for Proc's `argv` (as a user runs it from a clone). */
export function startTask(args: string[]): string[] {
  return [
    Deno.execPath(),
    "task",
    "--quiet",
    "--config",
    join(ROOT, "deno.json"),
    "start",
    ...args,
  ];
}
