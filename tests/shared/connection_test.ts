import { deepEqual, equal, rejects } from "node:assert/strict";
import { type ByteStream, MessageConnection } from "../../shared/connection.ts";
import type { Message } from "../../shared/protocol.ts";
import { pipePair } from "../_pipes.ts";

/** Wraps a stream so every write takes at most `most` bytes and completes a turn later. */
function shortWrites(inner: ByteStream, most: number): ByteStream & { writes: number } {
  return {
    writes: 0,
    read: (p) => inner.read(p),
    async write(p) {
      this.writes++;
      await Promise.resolve();
      return await inner.write(p.subarray(0, Math.min(most, p.length)));
    },
    close: () => inner.close(),
  };
}

Deno.test("sends started together arrive whole and in order over short, slow writes", async () => {
  const [a, b] = pipePair();
  const slow = shortWrites(a, 5);
  const sender = new MessageConnection(slow);
  const receiver = new MessageConnection(b);
  const sent: Message[] = Array.from({ length: 50 }, (_, i) => ({
    type: "SEARCH",
    query: `query number ${i} ${"x".repeat(i)}`,
  }));
  const raw = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  // None awaited before the next starts: each must wait for the one before it.
  const sends = sent.map((m) => sender.send(m));
  sends.push(sender.writeRaw(raw));
  const got: Message[] = [];
  for (let i = 0; i < sent.length; i++) got.push((await receiver.receive(5_000))!);
  const tail = new Uint8Array(raw.length);
  await receiver.readInto(tail, 5_000);
  await Promise.all(sends);
  deepEqual(got, sent);
  deepEqual(tail, raw);
  equal(slow.writes > sent.length, true, "writes were split, so the queue was exercised");
  sender.close();
  receiver.close();
});

Deno.test("a failed write rejects its own send; later sends still run in order", async () => {
  const [a, b] = pipePair();
  let failNext = false;
  const flaky: ByteStream = {
    read: (p) => a.read(p),
    write: (p) => {
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error("disk on fire"));
      }
      return a.write(p);
    },
    close: () => a.close(),
  };
  const sender = new MessageConnection(flaky);
  const receiver = new MessageConnection(b);
  failNext = true;
  const first = sender.send({ type: "SEARCH", query: "lost" });
  const second = sender.send({ type: "SEARCH", query: "kept" });
  await rejects(first, /disk on fire/);
  await second;
  deepEqual(await receiver.receive(5_000), { type: "SEARCH", query: "kept" });
  sender.close();
  receiver.close();
});

Deno.test("a message over the connection's frame limit is refused and nothing is sent", async () => {
  const [a, b] = pipePair();
  let writes = 0;
  const counted: ByteStream = {
    read: (p) => a.read(p),
    write: (p) => (writes++, a.write(p)),
    close: () => a.close(),
  };
  const sender = new MessageConnection(counted, { maxFrameBytes: 64 });
  const receiver = new MessageConnection(b);
  await rejects(sender.send({ type: "SEARCH", query: "x".repeat(100) }), RangeError);
  equal(writes, 0);
  await sender.send({ type: "SEARCH", query: "fits" });
  deepEqual(await receiver.receive(5_000), { type: "SEARCH", query: "fits" });
  sender.close();
  receiver.close();
});

/** A stream whose writes take `most` bytes each and then none, until `release()`. */
function stallingStream(most: number) {
  let taken = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((r) => release = r);
  const stream: ByteStream = {
    read: () => new Promise(() => {}),
    async write(p) {
      if (taken >= most) await released;
      const n = Math.min(p.length, Math.max(1, most - taken));
      taken += n;
      return n;
    },
    close: () => release(),
  };
  return { stream, taken: () => taken };
}

Deno.test("writes waiting past maxQueuedBytes close the connection instead of piling up", async () => {
  const { stream } = stallingStream(10);
  const conn = new MessageConnection(stream, { maxQueuedBytes: 100 });
  const first = conn.writeRaw(new Uint8Array(60));
  const second = conn.writeRaw(new Uint8Array(40)); // 100 waiting: still within the cap
  for (let i = 0; i < 10 && conn.queuedBytes === 100; i++) await Promise.resolve();
  equal(conn.closed, false);
  equal(conn.queuedBytes, 90, "the first write took 10 bytes");
  const third = conn.writeRaw(new Uint8Array(11)); // 101: past it
  equal(conn.closed, true);
  for (const w of [first, second, third]) await rejects(w, /not reading/);
  equal(conn.queuedBytes, 0, "every byte is accounted for once the writes failed");
});

Deno.test("closeIfWriteStalled closes only after stallMs without progress, and only while a write waits", async () => {
  const { stream, taken } = stallingStream(5);
  const conn = new MessageConnection(stream);
  equal(conn.closeIfWriteStalled(0, 100), false, "nothing to write");
  equal(conn.closeIfWriteStalled(1_000, 100), false, "idle time is not a stall");
  const write = conn.writeRaw(new Uint8Array(20));
  await Promise.resolve();
  equal(taken(), 5);
  equal(conn.closeIfWriteStalled(1_050, 100), false, "a write that moved since the last look");
  equal(conn.closeIfWriteStalled(1_100, 100), false, "50 ms without progress");
  equal(conn.closeIfWriteStalled(1_150, 100), true, "100 ms without progress");
  equal(conn.closed, true);
  await rejects(
    write,
    (err: Error) => err.name === "TimeoutError" && /took nothing/.test(err.message),
  );
  equal(conn.queuedBytes, 0);
});
