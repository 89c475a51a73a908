/**
 * The process's open-file limit (Linux: /proc/self/limits), so that a
 * server's connection cap stays below it: a server out of file descriptors
 * cannot even accept a connection to refuse it, and a caller then waits in
 * the listen queue for nothing, instead of hearing ERROR LIMIT.
 * @module
 */

/** Descriptors kept out of the connection cap: listener, files, Redis, refusals, checks. */
export function reservedFiles(limit: number): number {
  return Math.max(64, Math.ceil(limit / 10));
}

/**
 * The soft "Max open files" of a /proc/PID/limits text; undefined when
 * missing or unlimited.
 */
export function parseOpenFileLimit(limits: string): number | undefined {
  const soft = limits.match(/^Max open files\s+(\S+)/m)?.[1];
  if (soft === undefined || !/^\d+$/.test(soft)) return undefined;
  return Number(soft);
}

/**
 * This process's open-file limit, or undefined where it cannot be read
 * without asking (not Linux, or no read permission granted: no prompt).
 */
export function openFileLimit(): number | undefined {
  const path = "/proc/self/limits";
  try {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
    return parseOpenFileLimit(Deno.readTextFileSync(path));
  } catch {
    return undefined;
  }
}

/**
 * `wanted` connections, or fewer so that they and the reserve fit under the
 * open-file limit `limit` (no limit known: `wanted`); at least 1.
 *
 * @example
 * ```ts
 * connectionCap(20_000, openFileLimit()); // 18,000 under a limit of 20,000: 2,000 stay for the rest
 * connectionCap(20_000, 1_024); // 921
 * ```
 */
export function connectionCap(wanted: number, limit: number | undefined): number {
  if (limit === undefined) return wanted;
  return Math.max(1, Math.min(wanted, limit - reservedFiles(limit)));
}
