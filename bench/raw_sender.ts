/**
 * Baseline sender for the transfer benchmarks: serves one file as raw bytes to
 * every connection (no protocol, no hashing), in a plain 1 MiB read/write
 * loop; over Deno's own TLS (Deno.listenTls) when given an identity.
 * Usage: deno run -A bench/raw_sender.ts FILE [IDENTITY.pem]   (prints its port)
 * @module
 */
import { loadIdentity } from "../net/tls_identity.ts";

const [path, identityPath] = Deno.args;
const identity = identityPath ? await loadIdentity(identityPath) : null;
const listener: Deno.Listener = identity
  ? Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: identity.cert, key: identity.key })
  : Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log((listener.addr as Deno.NetAddr).port);
const buf = new Uint8Array(1 << 20);
for await (const conn of listener) {
  using file = await Deno.open(path);
  try {
    for (;;) {
      const n = await file.read(buf);
      if (n === null) break;
      for (let off = 0; off < n;) off += await conn.write(buf.subarray(off, n));
    }
  } catch { /* receiver went away */ }
  conn.close();
}
