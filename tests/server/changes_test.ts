import assert from "node:assert/strict";
import { infoJson, parseChange, parseInfo } from "../../server/changes.ts";
import { IndexStore } from "../../server/index_store.ts";
import { infoOf, Replica } from "../../server/replica.ts";

Deno.test("a peer whose file server did not answer stays so in every copy of the network's index", async () => {
  const info = { id: 3, host: "10.0.0.3", port: 9, name: "", address: "10.0.0.3" };
  const change = parseChange(
    JSON.stringify({ op: "peer", peer: { ...info, unproven: true }, files: [] }),
  );
  const replica = new Replica(new IndexStore(), "here");
  assert.equal(await replica.apply(change, "other"), "applied");
  assert.equal(replica.store.getPeer(3)?.unproven, true);
  assert.equal(
    infoJson(infoOf(replica.store.getPeer(3)!)),
    JSON.stringify({ ...info, unproven: true }),
  );
  // Published again as proven (it reconnected with a file server that answers): taken as such.
  assert.equal(await replica.apply({ op: "peer", peer: info, files: [] }, "other"), "applied");
  assert.equal(replica.store.getPeer(3)?.unproven, undefined);
  assert.throws(() => parseInfo(JSON.stringify({ ...info, unproven: "yes" })), /Bad peer info/);
});
