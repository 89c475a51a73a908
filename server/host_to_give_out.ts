/**
 * Which address the index gives downloaders for a peer that joins: the one
 * it connected from, unless its HELLO names another that they could use and
 * where the peer's own file server answers; and whether the peer's file
 * server was found answering at the address given out.
 * @module
 */
import { type HostCheck, unusableHost } from "./host_check.ts";

/** What hostToGiveOut works from. */
export interface HelloHost {
  /** The address the peer connected from. */
  seen: string;
  /** The host its HELLO names, if any. */
  claimed?: string;
  /** Its file server's port (0: it serves nothing). */
  port: number;
  /** Private networks: its certificate (base64 DER) as HELLO gave it. */
  cert?: string;
  /** Open networks: its host key, which its file server proves it holds. */
  key?: string;
  /** Reaches the peer's file server (host_check.ts helloCheck by default). */
  check: HostCheck;
  log(line: string): void;
}

/**
 * The address downloaders get for this peer: `seen`, unless HELLO names
 * another that they could use and where the peer's own file server answers
 * (`check`: with its certificate on a private network, with a proof of its
 * host key on an open one). Every refusal is logged. `proven`: the peer's
 * own file server answered at the address given out (checked there when no
 * other host was proven); a peer whose did not is listed after those whose
 * did (content_index.ts).
 *
 * @example
 * ```ts
 * const { host, proven } = await hostToGiveOut({ seen: "10.0.0.9", port: 5001, check, log });
 * ```
 */
export async function hostToGiveOut(h: HelloHost): Promise<{ host: string; proven: boolean }> {
  const { seen, claimed, port, key } = h;
  if (port === 0) return { host: seen, proven: false };
  const cert = h.cert === undefined ? undefined : Uint8Array.fromBase64(h.cert);
  const answersAtSeen = async () => {
    try {
      await h.check(seen, port, cert, key);
      return { host: seen, proven: true };
    } catch {
      return { host: seen, proven: false };
    }
  };
  const refuse = (why: string) => {
    h.log(
      `! a peer at ${seen} named host ${shown(claimed!)} in HELLO, but ${why}; ${seen} is used`,
    );
    return answersAtSeen();
  };
  if (!claimed || claimed === seen) return await answersAtSeen();
  if (!/^[\w.:-]{1,255}$/.test(claimed)) return await refuse("that is not a host name or address");
  const unusable = unusableHost(claimed, seen);
  if (unusable) return await refuse(unusable);
  let reached: string;
  try {
    reached = await h.check(claimed, port, cert, key);
  } catch (err) {
    return await refuse(`its own file server was not found there (${(err as Error).message})`);
  }
  const unusableReached = unusableHost(reached, seen);
  return unusableReached
    ? await refuse(`it leads to ${reached}: ${unusableReached}`)
    : { host: claimed, proven: true };
}

/** A host from the network, cut and made printable for the console. */
function shown(host: string): string {
  return JSON.stringify(host.slice(0, 80));
}
