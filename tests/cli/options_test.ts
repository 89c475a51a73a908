import assert from "node:assert/strict";
import { GET } from "../../cli/get_command.ts";
import { FLAGS, helpText, usageLine } from "../../cli/options.ts";
import { PEER } from "../../cli/peer_command.ts";
import { SEARCH } from "../../cli/search_command.ts";
import { SERVER } from "../../cli/server_command.ts";
import { SHARE } from "../../cli/share_command.ts";
import { runMain } from "../_helpers.ts";

const SPECS = [SERVER, SHARE, SEARCH, GET, PEER];

Deno.test("every command's help lists each of its flags once, with its help line", () => {
  for (const spec of SPECS) {
    const help = helpText(spec);
    assert.match(help, new RegExp(`^Usage: swapmeet ${spec.name}`));
    for (const entry of spec.flags) {
      const flag = typeof entry === "string" ? entry : entry[0];
      const line = typeof entry === "string" ? FLAGS[flag].help : entry[1];
      assert.equal(
        help.split(`--${flag} `).length + help.split(`--${flag}\n`).length - 2 >= 1,
        true,
      );
      assert.ok(help.includes(line), `${spec.name} --${flag}`);
    }
    assert.match(help, /-h, --help +show this help$/);
  }
});

Deno.test("usage lines show every flag as optional", () => {
  assert.equal(
    usageLine(SHARE),
    "share DIR [--server H:P] [--port P] [--advertise HOST] [--name NAME]",
  );
  assert.equal(usageLine(PEER), "peer [--server H:P] [--share DIR] [--port P] [--out DIR]");
});

Deno.test("swapmeet --help shows --server as optional everywhere", async () => {
  const r = await runMain(["--help"]);
  assert.equal(r.code, 0);
  for (const command of ["share DIR", "search WORDS...", "get NAME|SHA256", "peer"]) {
    assert.match(
      r.stdout,
      new RegExp(`swapmeet ${command.replace(/[.|]/g, "\\$&")} \\[--server H:P\\]`),
    );
  }
  assert.ok(!/[^[]--server H:P/.test(r.stdout), r.stdout);
});
