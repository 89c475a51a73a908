import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../_helpers.ts";

Deno.test("the engine and the protocol import nothing from the user interface (cli/)", () => {
  const offenders: string[] = [];
  for (const room of ["peer", "server", "shared", "net"]) {
    for (const entry of Deno.readDirSync(join(ROOT, room))) {
      if (!entry.name.endsWith(".ts")) continue;
      const text = Deno.readTextFileSync(join(ROOT, room, entry.name));
      if (/from\s+["']\.\.\/cli\//.test(text)) offenders.push(`${room}/${entry.name}`);
    }
  }
  assert.deepEqual(offenders, []);
});
