/**
 * The host key: how a peer on an open network proves to the index that the
 * file server at the host and port its HELLO names is its own. Before saying
 * HELLO with `host`, the peer's index client takes a fresh random key from
 * here and sends it as `hostKey`; while that HELLO waits for HI, the peer's
 * file server answers a HELLO carrying a `nonce` with HI `proof` =
 * hostProof(key, nonce) (shared/handshake.ts). The key is then withdrawn, so
 * one seen on the way is of no use later; a file server that answers for
 * another peer knows another key.
 * @module
 */
import { hostProof, newNonce } from "../shared/handshake.ts";

/** The host key of one peer's HELLO under way (at most one at a time). */
export class HostKeys {
  #pending: string | null = null;

  /**
   * A fresh key, answered for until `withdraw(key)` (a newer key replaces it).
   *
   * @example
   * ```ts
   * const key = hostKeys.issue();
   * try {
   *   await sayHello(conn, { port, host, hostKey: key }, options);
   * } finally {
   *   hostKeys.withdraw(key);
   * }
   * ```
   */
  issue(): string {
    return this.#pending = newNonce();
  }

  /** Stops answering for `key`. */
  withdraw(key: string): void {
    if (this.#pending === key) this.#pending = null;
  }

  /** The HI proof for a HELLO's nonce, while a key is out; undefined otherwise. */
  proof(nonce: string): string | undefined {
    return this.#pending === null ? undefined : hostProof(this.#pending, nonce);
  }
}
