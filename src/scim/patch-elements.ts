/**
 * Helpers for the containers a PATCH writes into: the resource or an extension object, and the
 * elements of multi-valued attributes (one element per `type`, one `primary`).
 */
import { isDeepStrictEqual } from "node:util";
import type { Filter } from "./filter-ast.js";
import { conjuncts } from "./filter-nodes.js";
import { coerceValue, isObject } from "./patch-coerce.js";
import { findSubAttribute, type AttributeDefinition } from "./schema-definitions.js";
import { URN } from "./schema-urns.js";

export type Json = Record<string, unknown>;

/** Attribute names are case-insensitive (RFC 7643 §2.1); the existing key wins over the defined one. */
export function findKey(object: Json, name: string): string | undefined {
  return Object.keys(object).find((key) => key.toLowerCase() === name.toLowerCase());
}

export function keyFor(object: Json, name: string): string {
  return findKey(object, name) ?? name;
}

/** The object holding a schema's attributes: the resource itself for core, else its extension object. */
export function containerOf(resource: Json, schema: string, create: boolean): Json | undefined {
  if (schema === URN.user) return resource;
  const key = keyFor(resource, schema);
  if (isObject(resource[key])) return resource[key];
  if (!create) return undefined;
  const container: Json = {};
  resource[key] = container;
  const schemas = resource.schemas;
  if (Array.isArray(schemas) && !schemas.some((s) => typeof s === "string" && s.toLowerCase() === schema.toLowerCase())) {
    schemas.push(schema);
  }
  return container;
}

/** An extension left without attributes is dropped, with its URN in `schemas`. */
export function dropEmptyContainer(resource: Json, schema: string): void {
  if (schema === URN.user) return;
  const key = findKey(resource, schema);
  if (key === undefined || !isObject(resource[key]) || Object.keys(resource[key]).length > 0) return;
  delete resource[key];
  if (Array.isArray(resource.schemas)) {
    resource.schemas = resource.schemas.filter((s) => typeof s !== "string" || s.toLowerCase() !== schema.toLowerCase());
  }
}

export function listOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** Stores a list, or deletes the attribute when it is empty (RFC 7644 §3.5.2.2: then unassigned). */
export function storeList(container: Json, key: string, list: Json[]): void {
  if (list.length === 0) delete container[key];
  else container[key] = list;
}

/** Entra keeps one element per `type`: an added element of a known type replaces the old one. */
export function addElement(list: Json[], element: Json): void {
  const type = typeof element.type === "string" ? element.type.toLowerCase() : undefined;
  const sameType = type === undefined ? -1 : list.findIndex((e) => typeof e.type === "string" && e.type.toLowerCase() === type);
  if (sameType >= 0) list[sameType] = element;
  else if (!list.some((e) => isDeepStrictEqual(e, element))) list.push(element);
}

/** RFC 7643 §2.4: at most one element is primary; the one just written wins. */
export function keepOnePrimary(list: Json[], written: readonly Json[]): void {
  const winner = written.find((e) => e.primary === true);
  if (!winner) return;
  for (const element of list) if (element !== winner && element.primary === true) element.primary = false;
}

/** An element left with only its `type` and `primary` flags holds no value. */
export function holdsValue(element: Json): boolean {
  return Object.keys(element).some((key) => !["type", "primary"].includes(key.toLowerCase()));
}

/**
 * The element a filter describes, for Entra's "replace on a missing element creates it":
 * `type eq "work"` -> {type: "work"}. Undefined when the filter is not a set of `eq` terms.
 */
export function elementFromFilter(filter: Filter, parent: AttributeDefinition): Json | undefined {
  const element: Json = {};
  for (const term of conjuncts(filter)) {
    if (term.kind !== "compare" || term.op !== "eq" || term.value === null) return undefined;
    const definition = findSubAttribute(parent, term.path.attribute);
    if (!definition) return undefined;
    try {
      element[definition.name] = coerceValue(definition, term.value, term.path.attribute);
    } catch {
      return undefined;
    }
  }
  return element;
}

/** Entra's default dialect names elements to remove by `value`; without one, the whole element must match. */
export function isListed(element: Json, listed: readonly Json[], parent: AttributeDefinition): boolean {
  const caseExact = findSubAttribute(parent, "value")?.caseExact ?? false;
  const fold = (v: unknown) => (typeof v === "string" && !caseExact ? v.toLowerCase() : v);
  return listed.some((wanted) => {
    if (wanted.value === undefined || wanted.value === null) return isDeepStrictEqual(element, wanted);
    return fold(element.value) === fold(wanted.value);
  });
}
