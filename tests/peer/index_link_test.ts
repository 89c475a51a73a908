import assert from "node:assert/strict";
import type { ServerAddress } from "../../peer/index_client.ts";
import { backoffDelay, IndexLink } from "../../peer/index_link.ts";
import { ConnectionClosedError } from "../../shared/errors.ts";
import { testServer, waitFor } from "../_helpers.ts";

Deno.test("reconnect back-off doubles from the first wait up to the cap, with ±20 % jitter", () => {
  const mid = () => 0.5; // jitter factor 1.0
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1_000, 30_000, mid)),
    [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000],
  );
  assert.equal(backoffDelay(0, 1_000, 30_000, () => 0), 800);
  assert.equal(backoffDelay(0, 1_000, 30_000, () => 1), 1_200);
  assert.equal(backoffDelay(1_000, 1_000, 30_000, mid), 30_000, "no overflow after many attempts");
});

Deno.test("the link tries its candidate servers in turn and asks again on every reconnection", async () => {
  await using first = testServer();
  await using second = testServer();
  const dead = { host: "127.0.0.1", port: await closedPort() };
  const asked: (ServerAddress | null)[] = [];
  const candidates = (last: ServerAddress | null) => {
    asked.push(last);
    return last === null ? [dead, first.address] : [dead, second.address];
  };
  const lines: string[] = [];
  const link = await IndexLink.start(candidates, {
    backoffInitialMs: 10,
    log: (l) => lines.push(l),
  }, () => []);
  try {
    assert.deepEqual(link.server, first.address, "the unreachable one was skipped");
    await first.server.close();
    await waitFor(() => link.connected && link.server.port === second.port, "the move");
    assert.deepEqual(asked, [null, first.address], "asked again, told where it was");
    assert.ok(
      lines.includes(`The index server is now at 127.0.0.1:${second.port}.`),
      lines.join("\n"),
    );
  } finally {
    await link.close();
  }
});

Deno.test("with no candidate reachable, start throws what went wrong with each", async () => {
  const a = { host: "127.0.0.1", port: await closedPort() };
  const b = { host: "127.0.0.1", port: await closedPort() };
  await assert.rejects(
    () => IndexLink.start(() => [a, b], {}, () => []),
    (err: Error) =>
      err instanceof ConnectionClosedError && err.message.includes(`:${a.port}:`) &&
      err.message.includes(`:${b.port}:`),
  );
  await assert.rejects(() => IndexLink.start(() => [], {}, () => []), ConnectionClosedError);
});

/** A port nothing listens on (the OS gave it, then it was closed). */
async function closedPort(): Promise<number> {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  await Promise.resolve();
  return port;
}
