/**
 * Optional allow-list of client addresses for the SCIM routes (e.g. Entra's
 * AzureActiveDirectory service-tag ranges, or the provisioning agent's host). Behind a proxy,
 * set server.trustProxy so req.ip is the client's address, not the proxy's.
 */
import { BlockList, isIP } from "node:net";
import type { RequestHandler } from "express";
import { ScimError } from "../scim/scim-error.js";

export function parseAllowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split("/");
    const family = isIP(address) === 6 ? "ipv6" : isIP(address) === 4 ? "ipv4" : undefined;
    const bits = prefix === undefined ? undefined : Number(prefix);
    if (!family || (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= (family === "ipv4" ? 32 : 128)))) {
      throw new Error(`server.allowFrom: "${entry}" is not an IP address or CIDR range`);
    }
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, bits, family);
  }
  return list;
}

export function clientAllowList(entries: readonly string[]): RequestHandler {
  if (entries.length === 0) return (_req, _res, next) => next();
  const list = parseAllowList(entries);
  return (req, _res, next) => {
    const raw = req.ip ?? "";
    // IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d.
    const ip = raw.startsWith("::ffff:") ? raw.slice(7) : raw;
    const family = isIP(ip) === 6 ? "ipv6" : "ipv4";
    if (isIP(ip) && list.check(ip, family)) return next();
    next(new ScimError(403, undefined, "this client address may not call the bridge (server.allowFrom)"));
  };
}
