/**
 * Parses a SCIM User body (POST, PUT, or the result of a PATCH) into its canonical JSON form:
 * attribute names in their defined case, Entra's "True"/"False" strings as booleans, nulls
 * dropped, the manager as `{ value }`. The zod schema is generated from schema-definitions.
 */
import { z } from "zod";
import { commonAttributes, userSchemas, type AttributeDefinition } from "./schema-definitions.js";
import { ScimError } from "./scim-error.js";
import { URN } from "./schema-urns.js";

/** A SCIM User in canonical form; unknown attributes are dropped. */
export type ScimUserJson = Record<string, unknown>;

/** Entra's default PATCH dialect and older POSTs send booleans as "True"/"False". */
const scimBoolean = z.preprocess((value) => {
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  return value;
}, z.boolean());

/**
 * Text BIS can store as sent: well-formed Unicode (a lone surrogate would be written as U+FFFD)
 * without NUL (PostgreSQL refuses it; other engines would truncate or keep it invisibly).
 */
const LONE_SURROGATE_OR_NUL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;
const text = z.string().refine((v) => !LONE_SURROGATE_OR_NUL.test(v), "must be well-formed Unicode text without NUL characters");

function valueSchema(definition: AttributeDefinition): z.ZodType {
  switch (definition.type) {
    case "boolean":
      return scimBoolean;
    case "integer":
    case "decimal":
      return z.number();
    case "complex":
      return complexSchema(definition);
    default:
      return definition.name === "userName" ? text.refine((v) => v.trim() !== "", "must not be blank") : text;
  }
}

function complexSchema(definition: AttributeDefinition): z.ZodType {
  const shape = Object.fromEntries((definition.subAttributes ?? []).map((sub) => [sub.name, optional(valueSchema(sub))]));
  const object = z.object(shape);
  // The manager arrives as a bare id string from Entra's PATCHes; it is { value } in SCIM.
  if (definition.name === "manager") return z.preprocess((v) => (typeof v === "string" ? { value: v } : v), object);
  return object;
}

function optional(schema: z.ZodType): z.ZodType {
  return schema.nullish().transform((v) => (v === null ? undefined : v));
}

function attributeSchema(definition: AttributeDefinition): z.ZodType {
  const single = valueSchema(definition);
  return optional(definition.multiValued ? z.array(single) : single);
}

function objectSchema(attributes: readonly AttributeDefinition[]) {
  return z.object(Object.fromEntries(attributes.map((a) => [a.name, attributeSchema(a)])));
}

const [core, ...extensions] = userSchemas;

export const userResourceSchema = objectSchema([...commonAttributes.filter((a) => a.name !== "meta"), ...core.attributes]).extend({
  schemas: z.array(z.string()).optional(),
  ...Object.fromEntries(extensions.map((schema) => [schema.id, optional(objectSchema(schema.attributes))])),
});

export function parseUserResource(body: unknown): ScimUserJson {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw ScimError.badRequest("invalidSyntax", "the request body must be a JSON object holding a SCIM User");
  }
  const result = userResourceSchema.safeParse(canonicalise(body as Record<string, unknown>));
  if (!result.success) {
    const details = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw ScimError.badRequest("invalidValue", details.join("; "));
  }
  return dropUndefined(result.data) as ScimUserJson;
}

/** Attribute names are case-insensitive (RFC 7643 §2.1): rewrite them to their defined case. */
function canonicalise(body: Record<string, unknown>): Record<string, unknown> {
  const top: readonly (AttributeDefinition | { name: string; subAttributes?: undefined })[] = [
    ...commonAttributes,
    ...core.attributes,
    { name: "schemas" },
  ];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const extension = extensions.find((s) => s.id.toLowerCase() === key.toLowerCase());
    if (extension) {
      out[extension.id] = isObject(value) ? renameKeys(value, extension.attributes) : value;
      continue;
    }
    const definition = top.find((a) => a.name.toLowerCase() === key.toLowerCase());
    if (!definition) continue;
    out[definition.name] = "type" in definition ? renameValue(definition, value) : value;
  }
  return out;
}

function renameValue(definition: AttributeDefinition, value: unknown): unknown {
  if (!definition.subAttributes) return value;
  if (Array.isArray(value)) return value.map((v) => (isObject(v) ? renameKeys(v, definition.subAttributes!) : v));
  return isObject(value) ? renameKeys(value, definition.subAttributes) : value;
}

function renameKeys(value: Record<string, unknown>, attributes: readonly AttributeDefinition[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const definition = attributes.find((a) => a.name.toLowerCase() === key.toLowerCase());
    if (definition) out[definition.name] = renameValue(definition, v);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, dropUndefined(v)]),
  );
}

/** ["addresses", 0, "country"] -> addresses[0].country; extension URNs joined with ":". */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => {
      if (typeof p === "number") return `[${p}]`;
      const prev = path[i - 1];
      if (i === 0) return String(p);
      return typeof prev === "string" && prev.startsWith("urn:") ? `:${String(p)}` : `.${String(p)}`;
    })
    .join("");
}

export const USER_SCHEMA_URNS = [URN.user, ...extensions.map((s) => s.id)];
