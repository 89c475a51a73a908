import assert from "node:assert/strict";
import { createFileService } from "../../peer/file_server.ts";
import { HostKeys } from "../../peer/host_key.ts";
import { scanShare } from "../../peer/share_folder.ts";
import { MessageConnection } from "../../shared/connection.ts";
import { hostProof, sayHello } from "../../shared/handshake.ts";
import { delay, withDeadline } from "../../shared/deadline.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { randomBytes, tempDir } from "../_helpers.ts";
import { pipePair } from "../_pipes.ts";

Deno.test("one address holds at most half the upload slots; another address is still served", async () => {
  await using share = await tempDir({ "a.bin": randomBytes(100_000, 131) });
  const [file] = (await scanShare(share.path)).files;
  // Slow uploads: each request below holds its slot for about two seconds.
  const service = createFileService((sha) => sha === file.sha256 ? file : undefined, {
    uploadSlots: 8,
    maxUploadRate: 50_000,
  });
  const conns: MessageConnection[] = [];
  const served: Promise<void>[] = [];
  const ask = async (host: string) => {
    const [mine, theirs] = pipePair();
    served.push(service.serve(new MessageConnection(theirs), host));
    const conn = new MessageConnection(mine);
    conns.push(conn);
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    await conn.send({ type: "DOWNLOAD", sha256: file.sha256 });
    return (await conn.expect(["FILE", "BUSY"], 5_000)).type;
  };
  try {
    const greedy = [];
    for (let i = 0; i < 6; i++) greedy.push(await ask("10.0.0.66"));
    assert.deepEqual(greedy, ["FILE", "FILE", "FILE", "FILE", "BUSY", "BUSY"]);
    assert.equal(await ask("10.0.0.7"), "FILE", "another machine still gets a slot");
  } finally {
    for (const c of conns) c.close();
    await Promise.all(served);
  }
});

Deno.test("a slot is held for one request: downloaders that sit idle between requests hold none", async () => {
  await using share = await tempDir({ "a.bin": randomBytes(100_000, 132) });
  const [file] = (await scanShare(share.path)).files;
  const service = createFileService((sha) => sha === file.sha256 ? file : undefined, {
    uploadSlots: 8,
  });
  const conns: MessageConnection[] = [];
  const served: Promise<void>[] = [];
  const ask = async (conn: MessageConnection) => {
    await conn.send({ type: "DOWNLOAD", sha256: file.sha256, offset: 0, length: 1 });
    const reply = await conn.expect(["FILE", "BUSY"], 5_000);
    if (reply.type === "FILE") await conn.readInto(new Uint8Array(reply.size), 5_000);
    return reply.type;
  };
  const connect = async (host: string) => {
    const [mine, theirs] = pipePair();
    served.push(service.serve(new MessageConnection(theirs), host));
    const conn = new MessageConnection(mine);
    conns.push(conn);
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    return conn;
  };
  try {
    // Eight connections from two machines each take one byte, then sit idle.
    for (let i = 0; i < 8; i++) {
      assert.equal(await ask(await connect(`10.0.0.${66 + i % 2}`)), "FILE");
    }
    assert.equal(await ask(await connect("10.0.0.7")), "FILE", "an honest downloader is served");
  } finally {
    for (const c of conns) c.close();
    await Promise.all(served);
  }
});

Deno.test("a shared file swapped for a link after the scan is not sent: nothing outside the share leaves", async () => {
  await using share = await tempDir({ "d/real.txt": "public notes" });
  await using elsewhere = await tempDir({ "real.txt": "PRIVATE KEY!" }); // the same size
  const [file] = (await scanShare(share.path)).files;
  const service = createFileService((sha) => sha === file.sha256 ? file : undefined);
  // A local user with write access to the share puts a link where the folder was.
  await Deno.rename(`${share.path}/d`, `${share.path}/d_old`);
  await Deno.symlink(elsewhere.path, `${share.path}/d`);
  const [mine, theirs] = pipePair();
  const served = service.serve(new MessageConnection(theirs), "10.0.0.7");
  const conn = new MessageConnection(mine);
  try {
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    await conn.send({ type: "DOWNLOAD", sha256: file.sha256 });
    const reply = await conn.expect(["FILE", "ERROR"], 5_000).catch((err) => err);
    assert.equal(reply.code, "NOT_FOUND", `got ${JSON.stringify(reply)}`);
  } finally {
    conn.close();
    await served;
  }
});

Deno.test("on an open network, HI to a HELLO with a nonce carries the proof of the host key under way, and only then", async () => {
  const keys = new HostKeys();
  const service = createFileService(() => undefined, { hostKeys: keys });
  const hi = async (hello: Record<string, unknown>) => {
    const [mine, theirs] = pipePair();
    const served = service.serve(new MessageConnection(theirs), "10.0.0.1");
    const conn = new MessageConnection(mine);
    try {
      await conn.send({ type: "HELLO", version: PROTOCOL_VERSION, port: 0, ...hello });
      return await conn.expect(["HI"], 5_000);
    } finally {
      conn.close();
      await served;
    }
  };
  const nonce = "3".repeat(64);
  assert.equal((await hi({ nonce })).proof, undefined, "no key out: no proof");
  const key = keys.issue();
  assert.equal((await hi({ nonce })).proof, hostProof(key, nonce));
  assert.equal((await hi({})).proof, undefined, "a downloader's HELLO has no nonce");
  keys.withdraw(key);
  assert.equal((await hi({ nonce })).proof, undefined);
});

Deno.test("a DOWNLOAD is served at most 8 chunks; FILE says how many bytes follow", async () => {
  const MiB = 1024 * 1024;
  await using share = await tempDir({ "big.bin": randomBytes(10 * MiB + 5, 133) });
  const [file] = (await scanShare(share.path)).files;
  const service = createFileService((sha) => sha === file.sha256 ? file : undefined);
  const [mine, theirs] = pipePair();
  const served = service.serve(new MessageConnection(theirs), "10.0.0.7");
  const conn = new MessageConnection(mine);
  try {
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    // The whole file (no length): before, all 10 MiB in one reply.
    await conn.send({ type: "DOWNLOAD", sha256: file.sha256 });
    const whole = await conn.expect(["FILE"], 5_000);
    assert.deepEqual(whole, {
      type: "FILE",
      status: "ok",
      size: 8 * MiB,
      offset: 0,
      total: file.size,
    });
    await conn.readInto(new Uint8Array(whole.size), 5_000);
    // The rest, asked for with a length past the end: cut at the end of the file.
    await conn.send({ type: "DOWNLOAD", sha256: file.sha256, offset: 8 * MiB, length: 9 * MiB });
    assert.equal((await conn.expect(["FILE"], 5_000)).size, 2 * MiB + 5);
  } finally {
    conn.close();
    await served;
  }
});

Deno.test("requests for content not shared here do not keep a connection open; useful ones do", async () => {
  await using share = await tempDir({ "a.bin": randomBytes(1000, 134) });
  const [file] = (await scanShare(share.path)).files;
  const service = createFileService((sha) => sha === file.sha256 ? file : undefined, {
    idleTimeoutMs: 500,
  });
  const open = async () => {
    const [mine, theirs] = pipePair();
    const served = service.serve(new MessageConnection(theirs), "10.0.0.7");
    const conn = new MessageConnection(mine);
    await sayHello(conn, { port: 0 }, { timeoutMs: 5_000 });
    return { conn, served };
  };
  const useful = await open();
  const useless = await open();
  try {
    // Asking for content not shared, every 100 ms: closed once the idle time has passed.
    const closed = (async () => {
      for (;;) {
        await useless.conn.send({ type: "CHUNKS", sha256: "0".repeat(64) });
        const reply = await useless.conn.receive(5_000).catch(() => null);
        if (reply === null) return;
        assert.equal(reply.type === "ERROR" && reply.code, "NOT_FOUND");
        await delay(100);
      }
    })().catch((err) => { // a send after the close fails: closed too
      if (err instanceof assert.AssertionError) throw err;
    });
    // Meanwhile ten chunk lists 100 ms apart: a second in all, twice the idle time.
    for (let i = 0; i < 10; i++) {
      await useful.conn.send({ type: "CHUNKS", sha256: file.sha256 });
      assert.equal((await useful.conn.expect(["CHUNK_LIST"], 5_000)).sha256, file.sha256);
      await delay(100);
    }
    await withDeadline(closed, 5_000, "the connection asking for nothing shared is still open");
  } finally {
    useful.conn.close();
    useless.conn.close();
    await Promise.all([useful.served, useless.served]);
  }
});
