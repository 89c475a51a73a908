import assert from "node:assert/strict";
import type { MdnsResponse } from "../../net/mdns.ts";
import type { DiscoveredServer } from "../../peer/discovery.ts";
import { type Browse, findServers, lanServerSource } from "../../peer/lan_finder.ts";
import { withDeadline } from "../../shared/deadline.ts";
import { answer, NETS, V } from "./_answers.ts";

/**
 * A fake LAN: hands `script` to the finder as its own responses, one step
 * at a time (each step waits for `next()`), and records when it was told to stop.
 */
function fakeLan(script: MdnsResponse[][]) {
  let step: () => void = () => {};
  const state = { stopped: false, steps: 0 };
  const browse: Browse = async (onResponse, signal) => {
    for (const responses of script) {
      if (signal.aborted) break;
      responses.forEach(onResponse);
      state.steps++;
      await new Promise<void>((resolve) => {
        step = resolve;
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    state.stopped = true;
  };
  return { browse, state, next: () => step() };
}

const quick = { networks: () => NETS, graceMs: 0 };
// A long look that a correct finder ends early; the deadline makes a wrong one fail, not hang.
const bounded = <T>(p: Promise<T>) => withDeadline(p, 5_000, "the look did not end early");

Deno.test("the look ends at the first good answer plus the grace, and closes the socket", async () => {
  const lan = fakeLan([[answer({ name: "evil\u001b[2J" })], [answer()]]);
  const look = bounded(findServers({ ...quick, browse: lan.browse, timeoutMs: 60_000 }));
  lan.next(); // the hostile answer alone did not end it: the good one comes next
  const found = await look;
  assert.deepEqual(found.map((s) => s.name), ["CS Lab index"]);
  assert.equal(lan.state.stopped, true);
});

Deno.test("during the grace, other servers still get in", async () => {
  const lan = fakeLan([[answer()], [answer({ name: "Physics", port: 4000 })]]);
  const look = findServers({ ...quick, graceMs: 60_000, timeoutMs: 100, browse: lan.browse });
  lan.next();
  assert.deepEqual((await look).map((s) => s.name), ["CS Lab index", "Physics"]);
});

Deno.test("with --network, only a server of that network ends the look early", async () => {
  const physics = answer({ name: "phys", port: 4000, txt: [V, "net=physics"] });
  const lan = fakeLan([[answer()], [physics]]);
  const look = bounded(
    findServers({ ...quick, browse: lan.browse, network: "physics", timeoutMs: 60_000 }),
  );
  assert.equal(lan.state.steps, 1);
  lan.next();
  assert.deepEqual((await look).map((s) => s.name), ["CS Lab index", "phys"]);
});

Deno.test("with nothing on the LAN, the look lasts its timeout and finds nothing", async () => {
  const lan = fakeLan([]);
  assert.deepEqual(await findServers({ ...quick, browse: lan.browse, timeoutMs: 30 }), []);
  assert.equal(lan.state.stopped, true);
});

Deno.test("full looks listen the whole time; a failed socket throws only when nothing was found", async () => {
  const lan = fakeLan([[answer()]]);
  const all = await findServers({ ...quick, full: true, browse: lan.browse, timeoutMs: 30 });
  assert.equal(all.length, 1);
  const broken: Browse = () => Promise.reject(new Error("Cannot use multicast DNS: EADDRINUSE"));
  await assert.rejects(() => findServers({ ...quick, browse: broken }), /EADDRINUSE/);
  const lateFailure: Browse = (onResponse) => {
    onResponse(answer());
    return Promise.reject(new Error("socket died"));
  };
  assert.equal((await findServers({ ...quick, browse: lateFailure })).length, 1);
});

Deno.test("a reconnecting link gets the first list, then a fresh look each time", async () => {
  const lab: DiscoveredServer = {
    name: "CS Lab index",
    host: "10.0.0.5",
    port: 1234,
    secret: false,
  };
  const looks: DiscoveredServer[][] = [[{ ...lab, host: "10.0.0.50" }], []];
  let asked = 0;
  const find = () => Promise.resolve(looks[asked++] ?? []);
  const source = lanServerSource([{ host: "10.0.0.5", port: 1234 }], [lab], { find });
  const signal = new AbortController().signal;
  assert.deepEqual(await source(null, signal), [{ host: "10.0.0.5", port: 1234 }]);
  assert.equal(asked, 0, "no second look at start");
  // Lost 10.0.0.5: the LAN now has our server (by name) at .50.
  assert.deepEqual(await source({ host: "10.0.0.5", port: 1234 }, signal), [
    { host: "10.0.0.50", port: 1234 },
    { host: "10.0.0.5", port: 1234 },
  ]);
  // Lost .50 too, and nothing answers: back to where it was last.
  assert.deepEqual(await source({ host: "10.0.0.50", port: 1234 }, signal), [
    { host: "10.0.0.50", port: 1234 },
  ]);
  assert.equal(asked, 2);
});

Deno.test("an impostor's goodbyes and announcements under the real name leave both in the look", async () => {
  const evil = { from: "10.0.0.66", a: ["10.0.0.66"], port: 4321, target: "evil.local" };
  const bye = answer({ ...evil, ttl: 0 });
  // As the reviewer's script does: goodbye, then its own answer, over and over, around the real one.
  const round = [bye, answer(evil)];
  const lan = fakeLan([[...round, ...round], [answer(), ...round, ...round], round]);
  const look = findServers({ ...quick, graceMs: 60_000, timeoutMs: 100, browse: lan.browse });
  lan.next();
  lan.next();
  const found = await look;
  assert.deepEqual(found.map((s) => `${s.name} ${s.host}:${s.port}`).sort(), [
    "CS Lab index 10.0.0.5:1234",
    "CS Lab index 10.0.0.66:4321",
  ]);
});
