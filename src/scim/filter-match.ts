/**
 * Evaluates a value filter against one element of a complex attribute in memory, for PATCH paths
 * such as `emails[type eq "work"]` on the single resource being patched. Listing users never
 * comes here: stores translate filters into their own queries.
 */
import type { CompareFilter, Filter } from "./filter-ast.js";
import { findSubAttribute, type AttributeDefinition } from "./schema-definitions.js";
import { ScimError } from "./scim-error.js";

type Json = Record<string, unknown>;

/** `parent` is the attribute the element belongs to; the filter's paths name its sub-attributes. */
export function matchesFilter(filter: Filter, element: unknown, parent: AttributeDefinition): boolean {
  switch (filter.kind) {
    case "and":
      return matchesFilter(filter.left, element, parent) && matchesFilter(filter.right, element, parent);
    case "or":
      return matchesFilter(filter.left, element, parent) || matchesFilter(filter.right, element, parent);
    case "not":
      return !matchesFilter(filter.filter, element, parent);
    case "present":
      return isPresent(read(element, filter.path.attribute, filter.path.subAttribute));
    case "compare":
      return compare(filter, read(element, filter.path.attribute, filter.path.subAttribute), parent);
    case "valuePath":
      throw ScimError.badRequest("invalidFilter", `value paths cannot be nested inside the filter on ${parent.name}`);
  }
}

function read(element: unknown, attribute: string, subAttribute: string | undefined): unknown {
  const value = property(element, attribute);
  return subAttribute === undefined ? value : property(value, subAttribute);
}

function property(object: unknown, name: string): unknown {
  if (!object || typeof object !== "object" || Array.isArray(object)) return undefined;
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (object as Json)[key];
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  return !(Array.isArray(value) && value.length === 0);
}

function compare(filter: CompareFilter, actual: unknown, parent: AttributeDefinition): boolean {
  const definition = findSubAttribute(parent, filter.path.attribute);
  const expected = definition?.type === "boolean" ? asBoolean(filter.value) : filter.value;
  if (filter.op === "eq" && expected === null) return !isPresent(actual);
  if (filter.op === "ne" && expected === null) return isPresent(actual);
  if (actual === undefined || actual === null || expected === null) return filter.op === "ne";
  if (typeof actual === "string" && typeof expected === "string") {
    return compareText(filter.op, actual, expected, definition?.caseExact ?? false, definition?.type === "dateTime");
  }
  if (typeof actual !== typeof expected) return filter.op === "ne";
  switch (filter.op) {
    case "eq":
      return actual === expected;
    case "ne":
      return actual !== expected;
    case "gt":
    case "ge":
    case "lt":
    case "le":
      if (typeof actual !== "number") throw ordering(filter, parent);
      return order(filter.op, actual - (expected as number));
    default:
      throw ScimError.badRequest("invalidFilter", `${parent.name}.${filter.path.attribute} ${filter.op} needs a string value`);
  }
}

function compareText(op: CompareFilter["op"], actual: string, expected: string, caseExact: boolean, dateTime: boolean): boolean {
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case "eq":
      return a === e;
    case "ne":
      return a !== e;
    case "co":
      return a.includes(e);
    case "sw":
      return a.startsWith(e);
    case "ew":
      return a.endsWith(e);
    default: {
      // RFC 7644: dateTime values order chronologically, other strings lexicographically.
      const [x, y] = [Date.parse(actual), Date.parse(expected)];
      const difference = dateTime && !Number.isNaN(x) && !Number.isNaN(y) ? x - y : a < e ? -1 : a > e ? 1 : 0;
      return order(op, difference);
    }
  }
}

function order(op: "gt" | "ge" | "lt" | "le", difference: number): boolean {
  return op === "gt" ? difference > 0 : op === "ge" ? difference >= 0 : op === "lt" ? difference < 0 : difference <= 0;
}

/** The same "True"/"False" leniency as PATCH values. */
function asBoolean(value: CompareFilter["value"]): CompareFilter["value"] {
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  return value;
}

function ordering(filter: CompareFilter, parent: AttributeDefinition): ScimError {
  return ScimError.badRequest("invalidFilter", `${parent.name}.${filter.path.attribute} is not ordered, so ${filter.op} cannot compare it`);
}
