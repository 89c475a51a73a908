/**
 * An index server under a low open-file limit: its default connection cap
 * stays below it, so a client past the cap hears ERROR LIMIT instead of
 * waiting in the listen queue of a server that cannot accept.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MessageConnection } from "../../shared/connection.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { MAIN, Proc, ROOT, runMain } from "../_helpers.ts";

const hasPrlimit = Deno.build.os === "linux" &&
  (await new Deno.Command("prlimit", { args: ["--version"] }).output().catch(() => null))?.success;

Deno.test({
  name:
    "with 256 open files allowed, the server takes 192 connections and refuses the next with ERROR LIMIT",
  ignore: !hasPrlimit,
  async fn() {
    await using server = new Proc([], {
      argv: [
        "prlimit",
        "--nofile=256",
        Deno.execPath(),
        "run",
        "--allow-all",
        "--no-lock",
        "--config",
        join(ROOT, "deno.json"),
        MAIN,
        ...["server", "--host", "127.0.0.1", "--port", "0", "--no-announce"],
      ],
    });
    const port = Number((await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    await server.waitFor(/At most 192 connections at once: this process may open 256 files/);
    const conns: MessageConnection[] = [];
    try {
      // More clients than the server has files for, all kept open: each hears HI or ERROR LIMIT.
      for (let i = 0; i < 240; i++) {
        const conn = new MessageConnection(await Deno.connect({ hostname: "127.0.0.1", port }));
        conns.push(conn);
        await conn.send({ type: "HELLO", version: PROTOCOL_VERSION, port: 0 });
      }
      const first = await Promise.all(conns.map((c) => c.receive(10_000).catch((e) => e)));
      const kinds = first.map((m) => m?.type === "ERROR" ? `ERROR ${m.code}` : m?.type ?? `${m}`);
      assert.equal(kinds.filter((k) => k === "HI").length, 192, kinds.join(", "));
      assert.equal(kinds.filter((k) => k === "ERROR LIMIT").length, 48, kinds.join(", "));
      // An honest search past the cap is told so, well before its 10 s deadline.
      const started = Date.now();
      const search = await runMain(["search", "anything", "--server", `127.0.0.1:${port}`]);
      assert.notEqual(search.code, 0);
      assert.match(search.stderr, /The server is full \(192 connections\)/);
      assert.ok(Date.now() - started < 8_000, `answered after ${Date.now() - started} ms`);
    } finally {
      for (const c of conns) c.close();
    }
  },
});
