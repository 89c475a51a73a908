/**
 * Baseline sender for the transfer benchmark: serves one file as raw bytes to
 * every connection (no protocol, no hashing), in a plain read/write loop.
 * Usage: deno run -A bench/raw_sender.ts FILE   (prints its port)
 * @module
 */
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
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
