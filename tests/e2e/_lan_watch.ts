/**
 * Test helper run on a test host: watches the LAN's index servers and
 * prints "+ NAME" when one is heard and "- NAME" when one says goodbye,
 * until killed.
 * @module
 */
import { browse } from "../../net/mdns.ts";
import { localNetworks } from "../../peer/discovery.ts";
import { ServerCollector } from "../../peer/server_collector.ts";

const found = new ServerCollector(localNetworks(Deno.networkInterfaces()));
let names = new Set<string>();
console.log("watching");
await browse((response) => {
  if (!found.add(response)) return;
  const now = new Set(found.servers.map((s) => s.name));
  for (const n of now) if (!names.has(n)) console.log(`+ ${n}`);
  for (const n of names) if (!now.has(n)) console.log(`- ${n}`);
  names = now;
}, new AbortController().signal);
