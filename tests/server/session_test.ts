import assert from "node:assert/strict";
import { sayHello } from "../../shared/handshake.ts";
import { IndexStore } from "../../server/index_store.ts";
import { pipeSession, record } from "./_records.ts";

/** Says HELLO over the pipe and returns the peer as the store knows it. */
async function join(s: ReturnType<typeof pipeSession>, hello: Parameters<typeof sayHello>[1]) {
  const hi = await sayHello(s.client, hello, { timeoutMs: 5_000 });
  return s.store.getPeer(hi.peerId)!;
}

Deno.test("HELLO's name is cut to 64 characters of letters, digits, space, _ . and -", async () => {
  await using s = pipeSession();
  const peer = await join(s, {
    port: 4000,
    name: `ann\u001b[2J\u202e<b>é 1_2.3-4${"x".repeat(80)}`,
  });
  // The first 64 characters, less those that are not allowed.
  assert.equal(peer.name, `ann2Jbé 1_2.3-4${"x".repeat(44)}`);
  assert.ok(s.log.some((l) => l.includes(`(${peer.name})`)), s.log.join("\n"));
});

Deno.test("without a host in HELLO, or for a search-only client, the seen address is given out", async () => {
  const checked: string[] = [];
  const checkHost = (host: string) => (checked.push(host), Promise.resolve(host));
  {
    await using s = pipeSession({ checkHost });
    const peer = await join(s, { port: 4000 });
    assert.equal(peer.host, "10.0.0.9");
    assert.equal(peer.unproven, undefined, "its file server answered there");
  }
  assert.deepEqual(checked, ["10.0.0.9"], "a sharing peer's file server is checked where seen");
  {
    await using s = pipeSession({ checkHost });
    const peer = await join(s, { port: 0, host: "192.168.1.50" });
    assert.equal(peer.host, "10.0.0.9", "nobody dials a client that serves nothing");
    assert.equal(peer.address, "10.0.0.9");
    assert.equal(peer.unproven, undefined);
  }
  assert.deepEqual(checked, ["10.0.0.9"], "a search-only client is not checked");
});

Deno.test("a sharing peer whose file server does not answer the check is unproven, said on the console, and listed last", async () => {
  const store = new IndexStore();
  const honest = store.addPeer({ host: "10.0.0.1", port: 4000 });
  await store.register(honest.id, [record("film.mkv", { content: "film" })]);
  {
    // The default check in these tests fails: nothing answers for this peer.
    await using s = pipeSession({ store });
    const fake = await join(s, { port: 9, name: "fake" });
    assert.equal(fake.unproven, true);
    assert.match(
      s.log.join("\n"),
      /\+ peer 2 \(fake\) at 10\.0\.0\.9:9 joined \(its file server did not answer: listed last\)/,
    );
    await s.client.send({ type: "REGISTER", files: [record("film.mkv", { content: "film" })] });
    await s.client.expect(["REGISTERED"], 5_000);
    await s.client.send({ type: "LOCATE", sha256: record("film.mkv", { content: "film" }).sha256 });
    const found = await s.client.expect(["FOUND"], 5_000);
    const peers = found.results[0].peers;
    assert.deepEqual(peers.map((p) => [p.id, p.unproven]), [[1, undefined], [2, true]]);
  }
});

Deno.test("a host in HELLO that downloaders could not use is never checked; the seen address is used, checked and logged", async () => {
  const cases: [string, string, RegExp][] = [
    ["0.0.0.0", "10.0.0.9", /unspecified/],
    ["::", "10.0.0.9", /unspecified/],
    ["224.0.0.251", "10.0.0.9", /multicast/],
    ["255.255.255.255", "10.0.0.9", /broadcast/],
    ["127.0.0.1", "10.0.0.9", /loopback/],
    ["127.1", "10.0.0.9", /loopback/],
    ["localhost", "10.0.0.9", /loopback/],
    ["evil host;rm -rf", "10.0.0.9", /not a host name/],
    ["x".repeat(256), "10.0.0.9", /not a host name/],
  ];
  for (const [host, from, why] of cases) {
    const checked: string[] = [];
    await using s = pipeSession({ from, checkHost: (h) => (checked.push(h), Promise.resolve(h)) });
    const peer = await join(s, { port: 4000, host });
    assert.equal(peer.host, from, host);
    assert.deepEqual(checked, [from], `${host} is not checked; the seen address is`);
    assert.match(s.log.join("\n"), why, host);
    // deno-lint-ignore no-control-regex
    assert.ok(s.log.every((l) => !/[\u0000-\u001f]/.test(l)), "log lines stay printable");
  }
});

Deno.test("a host in HELLO is given out only when the check reaches the peer's file server there", async () => {
  const asked: [string, number, string | undefined][] = [];
  const hostKey = "ab".repeat(32);
  {
    await using s = pipeSession({
      checkHost: (host, port, _cert, key) => (
        asked.push([host, port, key]), Promise.resolve("192.168.1.50")
      ),
    });
    const peer = await join(s, { port: 4000, host: "192.168.1.50", hostKey });
    assert.equal(peer.host, "192.168.1.50");
    assert.deepEqual(s.log.filter((l) => l.startsWith("!")), []);
  }
  assert.deepEqual(
    asked,
    [["192.168.1.50", 4000, hostKey]],
    "checked at the HELLO's port, with its hostKey",
  );
  {
    await using s = pipeSession({
      checkHost: () => Promise.reject(new Error("Cannot reach 192.168.1.50:4000: refused")),
    });
    assert.equal((await join(s, { port: 4000, host: "192.168.1.50" })).host, "10.0.0.9");
    assert.match(
      s.log.join("\n"),
      /its own file server was not found there \(Cannot reach .*refused\); 10\.0\.0\.9/,
    );
  }
  {
    // A name that resolves to a loopback address is refused on what the check reached.
    await using s = pipeSession({ checkHost: () => Promise.resolve("127.0.0.1") });
    assert.equal((await join(s, { port: 4000, host: "sneaky.example" })).host, "10.0.0.9");
    assert.match(s.log.join("\n"), /leads to 127\.0\.0\.1/);
  }
  {
    // A peer on the server's own machine may name another loopback address.
    await using s = pipeSession({ from: "127.0.0.1", checkHost: (h) => Promise.resolve(h) });
    assert.equal((await join(s, { port: 4000, host: "127.0.0.2" })).host, "127.0.0.2");
  }
});

Deno.test("when the session ends, the peer and its files leave the store", async () => {
  const s = pipeSession();
  const peer = await join(s, { port: 4000 });
  await s.client.send({ type: "REGISTER", files: [record("a.txt"), record("b.txt")] });
  assert.equal((await s.client.expect(["REGISTERED"], 5_000)).total, 2);
  assert.equal(s.store.fileCount, 2);
  await s.client.send({ type: "BYE" });
  await s.client.expect(["BYE"], 5_000);
  assert.equal(await s.ended, "bye");
  assert.equal(s.store.getPeer(peer.id), undefined);
  assert.equal(s.store.fileCount, 0);
  await s[Symbol.asyncDispose]();
});

Deno.test("a holder on the server's own machine is given to other machines at the address they used", async () => {
  const store = new IndexStore();
  // Bob shares from the server's machine, connected over loopback.
  await using bob = pipeSession({ store, from: "127.0.0.1", at: "127.0.0.1" });
  await join(bob, { port: 5001 });
  await bob.client.send({ type: "REGISTER", files: [record("slides.pdf")] });
  await bob.client.expect(["REGISTERED"], 5_000);
  const holders = async (s: ReturnType<typeof pipeSession>) => {
    await s.client.send({ type: "SEARCH", query: "slides" });
    const found = await s.client.expect(["FOUND"], 5_000);
    return found.results[0].peers.map((p) => `${p.host}:${p.port}`);
  };
  // Carol, on another machine, reached the server at 10.0.0.1: Bob is there too.
  await using carol = pipeSession({ store, from: "10.0.0.7", at: "10.0.0.1" });
  await join(carol, { port: 0 });
  assert.deepEqual(await holders(carol), ["10.0.0.1:5001"]);
  // Dave, on the server's machine himself, keeps the loopback address.
  await using dave = pipeSession({ store, from: "127.0.0.1", at: "127.0.0.1" });
  await join(dave, { port: 0 });
  assert.deepEqual(await holders(dave), ["127.0.0.1:5001"]);
});
