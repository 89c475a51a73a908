/**
 * Baseline sender for the TLS transfer figure: serves one file as raw bytes
 * over Deno's own TLS (Deno.listenTls) to every connection (no protocol, no
 * hashing), in a plain 1 MiB read/write loop.
 * Usage: deno run -A bench/raw_tls_sender.ts FILE IDENTITY.pem   (prints its port)
 * @module
 */
import { loadIdentity } from "../net/tls_identity.ts";

const identity = await loadIdentity(Deno.args[1]);
const listener = Deno.listenTls({
  hostname: "127.0.0.1",
  port: 0,
  cert: identity.cert,
  key: identity.key,
});
console.log(listener.addr.port);
const buf = new Uint8Array(1 << 20);
for await (const conn of listener) {
  using file = await Deno.open(Deno.args[0]);
  try {
    for (;;) {
      const n = await file.read(buf);
      if (n === null) break;
      for (let off = 0; off < n;) off += await conn.write(buf.subarray(off, n));
    }
  } catch { /* receiver went away */ }
  conn.close();
}
