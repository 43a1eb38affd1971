/**
 * Rewrites the PATCH dialects Entra speaks into one operation per attribute, with paths resolved
 * and values coerced, so the handlers see one shape:
 * - a path-less add/replace becomes one operation per key of its value; keys may be dotted
 *   (`name.givenName`), full URNs (`urn:...:User:employeeNumber`) or nested objects;
 * - `add` on anything but a whole multi-valued attribute is a `replace` (RFC 7644 §3.5.2.1);
 * - `""` and `null` values become `remove`;
 * - the manager arrives as an id, `{value}` or `[{$ref, value}]` and leaves as `{value}`.
 */
import type { PatchTarget } from "./attribute-path.js";
import { findSchema, resolvePatchTarget } from "./attribute-path.js";
import { parsePatchPath } from "./filter-parser.js";
import { coerceElements, coerceManagerId, coerceValue, isEmptyValue, isObject } from "./patch-coerce.js";
import type { PatchOpName, PatchOperation, PatchRequest } from "./patch-request.js";
import type { SchemaDefinition } from "./schema-definitions.js";
import { ScimError } from "./scim-error.js";
import { URN } from "./schema-urns.js";

export interface NormalisedOperation {
  /** `add` only remains for a whole multi-valued attribute, where it appends. */
  readonly op: PatchOpName;
  readonly target: PatchTarget;
  /** Coerced; absent for remove, except a remove that lists the elements to take out. */
  readonly value?: unknown;
  /** Where the operation came from, for error details: `Operations[1]`, `Operations[0].value["name.givenName"]`. */
  readonly where: string;
}

export function normaliseOperations(request: PatchRequest): NormalisedOperation[] {
  return request.Operations.flatMap((operation, i) => normaliseOne(operation, `Operations[${i}]`));
}

function normaliseOne(operation: PatchOperation, where: string): NormalisedOperation[] {
  const pathText = operation.path?.trim() ?? "";
  if (pathText === "") {
    // RFC 7644 §3.5.2.2: a remove without a path has no target.
    if (operation.op === "remove") throw ScimError.badRequest("noTarget", `${where}: remove needs a path naming what to remove`);
    if (!isObject(operation.value)) {
      throw ScimError.badRequest("invalidValue", `${where}.value: without a path, ${operation.op} needs an object of attributes`);
    }
    return expandObject(operation.op, undefined, operation.value, `${where}.value`);
  }
  const schema = findSchema(pathText);
  if (schema) return expandSchema(operation.op, schema, operation.value, `${where}.${operation.op === "remove" ? "path" : "value"}`);
  return [single(operation.op, pathText, operation.value, { path: `${where}.path`, value: `${where}.value` })];
}

/** Each key of a path-less value is a path of its own; a `prefix` is the extension URN it sits in. */
function expandObject(op: PatchOpName, prefix: string | undefined, value: Record<string, unknown>, where: string): NormalisedOperation[] {
  return Object.entries(value).flatMap(([key, v]) => {
    const at = `${where}[${JSON.stringify(key)}]`;
    if (prefix === undefined && key.toLowerCase() === "schemas") return [];
    const schema = prefix === undefined ? findSchema(key) : undefined;
    if (schema) return expandSchema(op, schema, v, at);
    return [single(op, prefix === undefined ? key : `${prefix}:${key}`, v, { path: at, value: at })];
  });
}

/** `"urn:...:enterprise:2.0:User": {...}` sets each attribute; an empty value clears the extension. */
function expandSchema(op: PatchOpName, schema: SchemaDefinition, value: unknown, where: string): NormalisedOperation[] {
  if (op === "remove" || isEmptyValue(value)) {
    return schema.attributes.map((attribute) => single("remove", `${schema.id}:${attribute.name}`, undefined, { path: where, value: where }));
  }
  if (!isObject(value)) {
    throw ScimError.badRequest("invalidValue", `${where}: ${schema.id} must be given an object of its attributes`);
  }
  return expandObject(op, schema.id, value, where);
}

/** Where in the request a path and its value were found. */
interface Origin {
  readonly path: string;
  readonly value: string;
}

function single(op: PatchOpName, pathText: string, value: unknown, origin: Origin): NormalisedOperation {
  const target = resolvePatchTarget(parsePath(pathText, origin.path), origin.path);
  const where = origin.path;
  if (isManager(target)) return manager(op, target, value, origin);
  if (op === "remove") {
    // Entra's default dialect lists the elements to remove in value; without it the whole attribute goes.
    const listed = isWholeMultiValued(target) && !isEmptyValue(value) ? coerceElements(target.attribute, value, origin.value) : undefined;
    return { op, target, ...(listed && { value: listed }), where };
  }
  if (isEmptyValue(value) || (op === "replace" && isWholeMultiValued(target) && Array.isArray(value) && value.length === 0)) {
    return { op: "remove", target, where };
  }
  if (isWholeMultiValued(target)) return { op, target, value: coerceElements(target.attribute, value, origin.value), where };
  const definition = target.subAttribute ?? target.attribute;
  return { op: "replace", target, value: coerceValue(definition, value, origin.value), where };
}

function manager(op: PatchOpName, target: PatchTarget, value: unknown, origin: Origin): NormalisedOperation {
  const id = op === "remove" ? null : coerceManagerId(value, origin.value);
  if (id === null) return { op: "remove", target, where: origin.path };
  return { op: "replace", target, value: target.subAttribute ? id : { value: id }, where: origin.path };
}

function parsePath(text: string, where: string) {
  try {
    return parsePatchPath(text);
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    throw new ScimError(error.status, error.scimType, `${where} '${text}': ${error.detail}`);
  }
}

/** The enterprise manager, or its `value`: both take Entra's id forms. */
export function isManager(target: PatchTarget): boolean {
  return target.schema === URN.enterpriseUser && target.attribute.name === "manager" && (!target.subAttribute || target.subAttribute.name === "value");
}

export function isWholeMultiValued(target: PatchTarget): boolean {
  return target.attribute.multiValued && !target.filter && !target.subAttribute;
}
