/** Reads and writes one mapped value inside a canonical SCIM User (see ScimTarget). */
import { URN } from "../scim/schema-urns.js";
import type { ScimUserJson } from "../scim/user-resource.js";
import type { ScimTarget } from "./compiled-mapping.js";

type Json = Record<string, unknown>;

function containerOf(user: ScimUserJson, target: ScimTarget, create: boolean): Json | undefined {
  if (target.schema === URN.user) return user;
  let extension = user[target.schema] as Json | undefined;
  if (!extension && create) user[target.schema] = extension = {};
  return extension;
}

function sameType(element: unknown, type: string): boolean {
  const value = (element as Json | null)?.type;
  return typeof value === "string" && value.toLowerCase() === type.toLowerCase();
}

export function readTarget(user: ScimUserJson, target: ScimTarget): unknown {
  const container = containerOf(user, target, false);
  const value = container?.[target.attribute];
  if (target.elementType !== undefined) {
    // One element per type (Entra's rule); if a client sends two, the primary wins, then the first.
    const matches = Array.isArray(value) ? value.filter((e) => sameType(e, target.elementType!)) : [];
    const element = (matches.find((e) => (e as Json).primary === true) ?? matches[0]) as Json | undefined;
    return target.subAttribute ? element?.[target.subAttribute] : element;
  }
  if (target.subAttribute) return (value as Json | undefined)?.[target.subAttribute];
  return value;
}

export function writeTarget(user: ScimUserJson, target: ScimTarget, value: unknown): void {
  const container = containerOf(user, target, true)!;
  if (target.elementType !== undefined) {
    const list = (container[target.attribute] as Json[] | undefined) ?? [];
    container[target.attribute] = list;
    let element = list.find((e) => sameType(e, target.elementType!));
    if (!element) list.push((element = { type: target.elementType }));
    if (target.subAttribute) element[target.subAttribute] = value;
    return;
  }
  if (target.subAttribute) {
    const parent = (container[target.attribute] as Json | undefined) ?? {};
    container[target.attribute] = parent;
    parent[target.subAttribute] = value;
    return;
  }
  container[target.attribute] = value;
}
