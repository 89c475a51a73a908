/**
 * A throwaway redis-server for tests (Debian's `redis-server`): on a free
 * loopback port the test picks, nothing saved to disk, stopped on dispose.
 *
 * Where redis-server is missing, tests made with `redisTest` say so and are
 * skipped, unless $SWAPMEET_REDIS_TESTS is "required" (CI sets it in
 * .ci/run, which installs redis-server): then they fail.
 * @module
 */
import { join } from "node:path";
import { type TempDir, tempDir, waitFor } from "./_helpers.ts";

/** Whether a skipped Redis test must fail instead. */
export const REDIS_REQUIRED = Deno.env.get("SWAPMEET_REDIS_TESTS") === "required";

async function findRedis(): Promise<string | null> {
  try {
    const out = await new Deno.Command("redis-server", { args: ["--version"], stdout: "null" })
      .output();
    return out.success ? null : "redis-server --version failed";
  } catch {
    return "redis-server is not installed (apt-get install -y redis-server)";
  }
}

const missing = await findRedis();
if (missing && !REDIS_REQUIRED) {
  console.error(`Redis tests skipped: ${missing}.`);
}

/**
 * Deno.test for a test that needs redis-server (see the module doc).
 * Sanitizers off for a test whose replies from Redis are large: the Redis
 * reply parser (redis-parser, under ioredis) then keeps an interval timer of
 * its own for a second or more, shrinking its buffer pool (and Deno 2.9
 * leaves a timer alone only with both off). The other Redis tests check
 * that ours close.
 */
export function redisTest(
  name: string,
  fn: () => Promise<void>,
  options: { sanitizeOps?: boolean; sanitizeResources?: boolean } = {},
): void {
  Deno.test({
    name,
    ...options,
    ignore: missing !== null && !REDIS_REQUIRED,
    fn: async () => {
      if (missing) throw new Error(missing);
      await fn();
    },
  });
}

/** A port the OS says is free now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** Whether a Redis answers PING on `port` now. */
async function answers(port: number): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buf = new Uint8Array(16);
    const n = await conn.read(buf);
    return n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

/** A running redis-server of a test. */
export class TestRedis implements AsyncDisposable {
  readonly port: number;
  readonly #dir: TempDir;
  #child: Deno.ChildProcess | null = null;

  private constructor(port: number, dir: TempDir) {
    this.port = port;
    this.#dir = dir;
  }

  /** Starts one on a free port. */
  static async start(): Promise<TestRedis> {
    const dir = await tempDir();
    for (let attempt = 0;; attempt++) {
      const redis = new TestRedis(freePort(), dir);
      try {
        await redis.#run();
        return redis;
      } catch (err) {
        await redis.#kill();
        if (attempt === 2) {
          await dir[Symbol.asyncDispose]();
          throw err;
        }
      }
    }
  }

  /** Its address for `--redis`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Its address for joinRedisNetwork. */
  get target(): { host: string; port: number; db: number } {
    return { host: "127.0.0.1", port: this.port, db: 0 };
  }

  /** Runs one command with redis-cli; its output. */
  async cli(...args: string[]): Promise<string> {
    const out = await new Deno.Command("redis-cli", {
      args: ["-p", String(this.port), ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout).trim();
  }

  /** Kills it (SIGKILL); with `keep`, it saves its data first, for startAgain to load. */
  async stop(keep = false): Promise<void> {
    if (keep) await this.cli("SAVE");
    await this.#kill();
    if (!keep) await Deno.remove(join(this.#dir.path, "dump.rdb")).catch(() => {});
  }

  /** Starts it again on the same port after stop: empty, or with what stop kept. */
  async startAgain(): Promise<void> {
    await this.#run();
  }

  /** stop, then startAgain. */
  async restart(keep = false): Promise<void> {
    await this.stop(keep);
    await this.startAgain();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#kill();
    await this.#dir[Symbol.asyncDispose]();
  }

  async #run(): Promise<void> {
    this.#child = new Deno.Command("redis-server", {
      args: [
        ...["--port", String(this.port), "--bind", "127.0.0.1", "--save", ""],
        ...["--appendonly", "no", "--dir", this.#dir.path, "--loglevel", "warning"],
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const child = this.#child;
    let exited = false;
    child.status.then(() => exited = true);
    await waitFor(
      async () => exited || await answers(this.port),
      `redis-server on port ${this.port}`,
    );
    if (exited) throw new Error(`redis-server could not start on port ${this.port}`);
  }

  async #kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child) return;
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
  }
}
