/**
 * mDNS answers for the discovery tests, shaped as multicast-dns decodes a
 * Swapmeet server's response.
 * @module
 */
import type { MdnsRecord, MdnsResponse } from "../../net/mdns.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";

/** The TXT string of this protocol version. */
export const V = `v=${PROTOCOL_VERSION}`;

/** This machine, as the tests see it: on 10.0.0.0/24 and 192.168.7.0/28. */
export const NETS = [{ address: "10.0.0.2", prefix: 24 }, { address: "192.168.7.1", prefix: 28 }];
export const enc = new TextEncoder();

/** Parts of an answer to replace. */
export interface Answer {
  name?: string;
  port?: unknown;
  target?: string;
  txt?: unknown;
  a?: unknown[];
  from?: string;
  ttl?: number;
}

/** An answer as a Swapmeet server sends it, with any part replaced. */
export function answer(o: Answer = {}): MdnsResponse {
  const name = o.name ?? "CS Lab index";
  const fqdn = `${name}._swapmeet._tcp.local`;
  const target = o.target ?? "lab.local";
  const ttl = o.ttl ?? 120;
  const records: MdnsRecord[] = [
    { name: "_swapmeet._tcp.local", type: "PTR", ttl, data: fqdn },
    {
      name: fqdn,
      type: "SRV",
      ttl,
      data: { priority: 0, weight: 0, port: "port" in o ? o.port : 1234, target },
    },
    { name: fqdn, type: "TXT", ttl, data: o.txt ?? [enc.encode(V), enc.encode("secret=0")] },
    ...(o.a ?? ["10.0.0.5"]).map((data) => ({ name: target, type: "A", ttl, data })),
  ];
  return { from: o.from ?? "10.0.0.5", records };
}
