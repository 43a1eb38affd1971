/**
 * `attributes` / `excludedAttributes` (RFC 7643 §7, RFC 7644 §3.4.2.5) applied to a rendered
 * resource. `id` and `schemas` are always returned.
 */
import { USER_EXTENSIONS } from "./schema-urns.js";

type Json = Record<string, unknown>;

interface NamePath {
  readonly container?: string;
  readonly attribute?: string;
  readonly subAttribute?: string;
}

function parseName(name: string): NamePath {
  const extension = USER_EXTENSIONS.find((urn) => name.toLowerCase().startsWith(urn.toLowerCase()));
  let rest = name;
  let container: string | undefined;
  if (extension) {
    container = extension;
    rest = name.slice(extension.length).replace(/^:/, "");
    if (rest === "") return { container };
  } else if (/^urn:ietf:params:scim:schemas:core:2\.0:User:/i.test(name)) {
    rest = name.slice("urn:ietf:params:scim:schemas:core:2.0:User:".length);
  }
  const [attribute, subAttribute] = rest.split(".");
  return { container, attribute, subAttribute };
}

function findKey(object: Json, key: string): string | undefined {
  return Object.keys(object).find((k) => k.toLowerCase() === key.toLowerCase());
}

function pick(resource: Json, path: NamePath, into: Json): void {
  const source = path.container ? (resource[path.container] as Json | undefined) : resource;
  if (!source) return;
  let target = into;
  if (path.container) target = (into[path.container] as Json | undefined) ?? (into[path.container] = {});
  if (!path.attribute) {
    Object.assign(target, source);
    return;
  }
  const key = findKey(source, path.attribute);
  if (!key) return;
  const value = source[key];
  if (!path.subAttribute) {
    target[key] = value;
    return;
  }
  const pickSub = (v: unknown) => {
    const obj = v as Json;
    const sub = obj && findKey(obj, path.subAttribute!);
    return sub ? { [sub]: obj[sub] } : {};
  };
  if (Array.isArray(value)) {
    const existing = (target[key] as Json[] | undefined) ?? value.map(() => ({}));
    target[key] = existing.map((element, i) => ({ ...element, ...pickSub(value[i]) }));
  } else {
    target[key] = { ...((target[key] as Json) ?? {}), ...pickSub(value) };
  }
}

function remove(resource: Json, path: NamePath): void {
  const source = path.container ? (resource[path.container] as Json | undefined) : resource;
  if (!source) return;
  if (!path.attribute) {
    delete resource[path.container!];
    return;
  }
  const key = findKey(source, path.attribute);
  if (!key || (!path.container && key === "id")) return;
  if (!path.subAttribute) {
    delete source[key];
    return;
  }
  const values = Array.isArray(source[key]) ? (source[key] as Json[]) : [source[key] as Json];
  for (const element of values) {
    const sub = element && findKey(element, path.subAttribute);
    if (sub) delete element[sub];
  }
}

export function projectResource(resource: Json, attributes: readonly string[], excluded: readonly string[]): Json {
  if (attributes.length > 0) {
    const out: Json = { schemas: resource.schemas, id: resource.id };
    for (const name of attributes) pick(resource, parseName(name), out);
    return out;
  }
  if (excluded.length > 0) {
    const out = structuredClone(resource);
    for (const name of excluded) remove(out, parseName(name));
    return out;
  }
  return resource;
}
