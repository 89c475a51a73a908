/**
 * Two test hosts on a LAN of their own: Linux network namespaces joined by a
 * veth pair on 10.213.N.0/24, each with a multicast route (without one,
 * joining the mDNS group fails with EINVAL). Root only.
 *
 * Where namespaces cannot be made (not root, no `ip`), tests made with
 * `lanTest` say so and are skipped, unless $SWAPMEET_NETNS_TESTS is
 * "required" (CI sets it in .ci/run): then they fail, so CI cannot go green
 * without them.
 * @module
 */
import { Proc, runMain } from "../_helpers.ts";

/** Whether a skipped LAN test must fail instead. */
export const NETNS_REQUIRED = Deno.env.get("SWAPMEET_NETNS_TESTS") === "required";

const PREFIX = `swm${Deno.pid}-`;
let made = 0;

async function ip(...args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const out = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.success ? out.stdout : out.stderr).trim();
    return { ok: out.success, text };
  } catch (err) {
    return { ok: false, text: (err as Error).message };
  }
}

async function mustIp(...args: string[]): Promise<string> {
  const r = await ip(...args);
  if (!r.ok) throw new Error(`ip ${args.join(" ")}: ${r.text}`);
  return r.text;
}

/** Removes namespaces left by test runs that were killed before they could clean up. */
async function removeStale(): Promise<void> {
  const list = await ip("netns", "list");
  for (const line of list.ok ? list.text.split("\n") : []) {
    const m = /^(swm(\d+)-\S+)/.exec(line);
    if (!m || Number(m[2]) === Deno.pid) continue;
    const alive = await Deno.stat(`/proc/${m[2]}`).then(() => true, () => false);
    if (!alive) await ip("netns", "del", m[1]);
  }
}

/** Why namespaces cannot be made here, or null when they can. */
async function unsupported(): Promise<string | null> {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  if (Deno.uid() !== 0) return "not root";
  const probe = `${PREFIX}probe`;
  const add = await ip("netns", "add", probe);
  if (!add.ok) return `cannot create a network namespace: ${add.text}`;
  await ip("netns", "del", probe);
  await removeStale();
  return null;
}

const why = await unsupported();

/** One test host. */
export interface Host {
  /** Namespace name. */
  ns: string;
  /** Its address on the test LAN. */
  address: string;
  /** Starts main.ts (or `script`) on this host, with mDNS on. */
  start(args: string[], options?: ConstructorParameters<typeof Proc>[1]): Proc;
  /** Runs main.ts on this host to completion. */
  run(args: string[], options?: Parameters<typeof runMain>[1]): ReturnType<typeof runMain>;
}

const LAN_ENV = { SWAPMEET_MDNS: "on" };

function host(ns: string, address: string): Host {
  return {
    ns,
    address,
    start: (args, options = {}) =>
      new Proc(args, { ...options, netns: ns, env: { ...LAN_ENV, ...options.env } }),
    run: (args, options = {}) =>
      runMain(args, { ...options, netns: ns, env: { ...LAN_ENV, ...options.env } }),
  };
}

/** Two hosts, A (10.213.N.1) and B (10.213.N.2), removed on dispose. */
export async function twoHosts(): Promise<{ a: Host; b: Host } & AsyncDisposable> {
  const n = ++made;
  const names = [`${PREFIX}${n}a`, `${PREFIX}${n}b`];
  const dispose = async () => {
    for (const ns of names) await ip("netns", "del", ns);
  };
  try {
    for (const ns of names) await mustIp("netns", "add", ns);
    await mustIp(
      "link",
      "add",
      "veth0",
      "netns",
      names[0],
      "type",
      "veth",
      "peer",
      "name",
      "veth0",
      "netns",
      names[1],
    );
    for (const [i, ns] of names.entries()) {
      await mustIp("-n", ns, "link", "set", "lo", "up");
      await mustIp("-n", ns, "addr", "add", `10.213.${n}.${i + 1}/24`, "dev", "veth0");
      await mustIp("-n", ns, "link", "set", "veth0", "up");
      await mustIp("-n", ns, "route", "add", "224.0.0.0/4", "dev", "veth0");
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return {
    a: host(names[0], `10.213.${n}.1`),
    b: host(names[1], `10.213.${n}.2`),
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * A test on two fresh hosts, cleaned up however it ends; skipped with a
 * note where namespaces cannot be made, failed there when they are required.
 */
export function lanTest(name: string, fn: (a: Host, b: Host) => Promise<void>): void {
  if (why !== null && !NETNS_REQUIRED) {
    console.error(`Skipping "${name}": ${why} (two-host LAN tests need network namespaces).`);
  }
  Deno.test({
    name,
    ignore: why !== null && !NETNS_REQUIRED,
    async fn() {
      if (why !== null) {
        throw new Error(
          `Two-host LAN tests cannot run here (${why}), and SWAPMEET_NETNS_TESTS=required.`,
        );
      }
      await using hosts = await twoHosts();
      await fn(hosts.a, hosts.b);
    },
  });
}
