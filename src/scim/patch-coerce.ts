/**
 * Checks and converts a PATCH value against an attribute definition: Entra's "True"/"False"
 * strings become booleans, sub-attribute names take their defined case, and anything of the
 * wrong type is 400 invalidValue naming where it was found.
 */
import { findSubAttribute, type AttributeDefinition } from "./schema-definitions.js";
import { ScimError } from "./scim-error.js";

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** `""` and `null` clear an attribute (Microsoft's SCIM_Null_Update_Test sends both). */
export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || value === "";
}

/** One value of `definition` (one element when it is multi-valued). Empty sub-values stay null. */
export function coerceValue(definition: AttributeDefinition, value: unknown, where: string): unknown {
  switch (definition.type) {
    case "boolean":
      return coerceBoolean(definition, value, where);
    case "integer":
    case "decimal":
      if (typeof value !== "number" || (definition.type === "integer" && !Number.isInteger(value))) {
        throw invalid(where, `${definition.name} must be ${definition.type === "integer" ? "an integer" : "a number"}, got ${show(value)}`);
      }
      return value;
    case "complex":
      return coerceComplex(definition, value, where);
    default:
      if (typeof value !== "string") throw invalid(where, `${definition.name} must be a string, got ${show(value)}`);
      return value;
  }
}

/** Every element of a multi-valued attribute; a single object is read as a list of one. */
export function coerceElements(definition: AttributeDefinition, value: unknown, where: string): Json[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((element, i) => {
    const at = Array.isArray(value) ? `${where}[${i}]` : where;
    if (!isObject(element)) throw invalid(at, `each element of ${definition.name} must be an object, got ${show(element)}`);
    return coerceComplex(definition, element, at);
  });
}

function coerceBoolean(definition: AttributeDefinition, value: unknown, where: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  throw invalid(where, `${definition.name} must be a boolean (true, false, "True" or "False"), got ${show(value)}`);
}

function coerceComplex(definition: AttributeDefinition, value: unknown, where: string): Json {
  if (!isObject(value)) throw invalid(where, `${definition.name} must be an object of sub-attributes, got ${show(value)}`);
  const out: Json = {};
  for (const [key, sub] of Object.entries(value)) {
    const subDefinition = findSubAttribute(definition, key);
    if (!subDefinition) {
      const known = (definition.subAttributes ?? []).map((a) => a.name).join(", ");
      throw invalid(where, `${definition.name} has no sub-attribute ${key} (it has ${known})`);
    }
    // RFC 7643 §2.2: read-only values sent by a client are ignored.
    if (subDefinition.mutability === "readOnly") continue;
    out[subDefinition.name] = isEmptyValue(sub) ? null : coerceValue(subDefinition, sub, `${where}.${subDefinition.name}`);
  }
  return out;
}

/**
 * The manager's id from every form Entra has used: "id", {"value": "id"} and the legacy
 * [{"$ref": "...", "value": "id"}]. Null means "no manager".
 */
export function coerceManagerId(value: unknown, where: string): string | null {
  if (isEmptyValue(value)) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) {
    if (value.length > 1) throw invalid(where, `manager takes one value, got ${value.length}`);
    return coerceManagerId(value[0], where);
  }
  if (isObject(value)) {
    const key = Object.keys(value).find((k) => k.toLowerCase() === "value");
    const id = key === undefined ? undefined : value[key];
    if (isEmptyValue(id) || typeof id === "string" || typeof id === "number") return coerceManagerId(id, where);
  }
  throw invalid(where, `manager must be the manager's id, {"value": id} or [{"value": id}], got ${show(value)}`);
}

function invalid(where: string, rule: string): ScimError {
  return ScimError.badRequest("invalidValue", `${where}: ${rule}`);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
