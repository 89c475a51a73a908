/**
 * The index server's announcement on the LAN (DNS-SD `_swapmeet._tcp`):
 * its options, and starting and withdrawing it around a server run.
 * @module
 */
import { cleanName } from "../peer/discovery.ts";
import { withDeadline } from "../shared/deadline.ts";
import { PROTOCOL_VERSION } from "../shared/protocol.ts";
import { UsageError } from "./args.ts";
import { mdnsEnabled } from "./find_server.ts";

/** The announcement's options of `swapmeet server` (for parseFlags). */
export const ANNOUNCE_OPTIONS = {
  name: { type: "string" },
  network: { type: "string" },
  "no-announce": { type: "boolean" },
} as const;

/** Help lines for ANNOUNCE_OPTIONS. */
export const ANNOUNCE_HELP_LINES =
  `  --name NAME          name announced on the LAN (default: this machine's name)
  --network NAME       network name announced on the LAN (peers pick it with --network)
  --no-announce        do not announce on the LAN (peers then need --server)`;

/** What the server announces; `announce: false` for none. */
export interface AnnounceSettings {
  announce?: boolean;
  name?: string;
  network?: string;
}

/** Checks the announcement options; UsageError for a name that peers would drop. */
export function parseAnnounceSettings(
  values: { name?: string; network?: string; "no-announce"?: boolean },
): AnnounceSettings {
  for (const flag of ["name", "network"] as const) {
    const value = values[flag];
    if (value !== undefined && cleanName(value.replaceAll(".", "-")) === null) {
      throw new UsageError(
        `--${flag} must be 1 to 63 bytes of printable text without leading or trailing spaces`,
      );
    }
  }
  return { announce: !values["no-announce"], name: values.name, network: values.network };
}

/** A running announcement (or none). */
export interface Announcer {
  /** Sends the goodbye; resolves within about a second even when the LAN does not take it. */
  stop(): Promise<void>;
}

/**
 * Announces the server listening on `host`:`port` unless told not to, or
 * when it listens on loopback only (nobody on the LAN could reach it).
 * Reports on `log`; a failure is reported, never thrown: the server runs on.
 *
 * @example
 * ```ts
 * const announcer = startAnnouncer({ host: "0.0.0.0", name: "CS Lab index" }, 1234, console.log);
 * await announcer.stop();
 * ```
 */
export function startAnnouncer(
  settings: AnnounceSettings & { host: string; secret?: string },
  port: number,
  log: (line: string) => void,
): Announcer {
  if (settings.announce === false || !mdnsEnabled()) return { stop: () => Promise.resolve() };
  if (/^(127\.|::1$|localhost$|\[::1\]$)/i.test(settings.host)) {
    log(`Not announced on the LAN: listening on ${settings.host} only.`);
    return { stop: () => Promise.resolve() };
  }
  const txt: Record<string, string> = {
    v: String(PROTOCOL_VERSION),
    secret: settings.secret ? "1" : "0",
  };
  if (settings.network) txt.net = settings.network;
  // bonjour-service turns dots into hyphens; say the name it announces.
  const name = (settings.name ?? defaultName()).replaceAll(".", "-");
  const started = import("../net/mdns.ts")
    .then(({ announce }) => announce({ name, port, txt }))
    .then((a) => {
      log(`Announced on the LAN as "${a.name}" (_swapmeet._tcp, port ${port}).`);
      return a;
    }, (err) => {
      log(`Not announced on the LAN (${(err as Error).message}); peers need --server.`);
      return null;
    });
  return {
    async stop() {
      const a = await withDeadline(started, 2_000, "announcement did not start").catch(() => null);
      await a?.withdraw();
    },
  };
}

/** This machine's name, or "Swapmeet index" when it cannot be read (no --allow-sys). */
function defaultName(): string {
  try {
    return Deno.hostname().split(".")[0] || "Swapmeet index";
  } catch {
    return "Swapmeet index";
  }
}
