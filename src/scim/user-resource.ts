/**
 * Parses a SCIM User body (POST, PUT, or the result of a PATCH) into its canonical JSON form:
 * attribute names in their defined case, Entra's "True"/"False" strings as booleans, nulls
 * dropped, the manager as `{ value }`. The zod schema is generated from schema-definitions.
 */
import { z } from "zod";
import { cleanEmail } from "../identity/email-identity.js";
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

/** BIS's login: stored as the clean e-mail Entra meant (trimmed, NFC), or refused with the rule. */
const userName = text.transform((value, ctx) => {
  const cleaned = cleanEmail(value);
  if ("email" in cleaned) return cleaned.email;
  ctx.addIssue({ code: "custom", message: cleaned.problem });
  return z.NEVER;
});

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
      return definition.name === "userName" ? userName : text;
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

const SHOWN_PROBLEMS = 5;

export function parseUserResource(body: unknown): ScimUserJson {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw ScimError.badRequest("invalidSyntax", "the request body must be a JSON object holding a SCIM User");
  }
  const result = userResourceSchema.safeParse(canonicalise(body as Record<string, unknown>));
  if (!result.success) {
    const { issues } = result.error;
    // A body of 100,000 bad phone numbers must not make a 100,000-line answer: the first few say what to fix.
    const details = issues.slice(0, SHOWN_PROBLEMS).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    const more = issues.length > SHOWN_PROBLEMS ? `; and ${issues.length - SHOWN_PROBLEMS} more problems` : "";
    throw ScimError.badRequest("invalidValue", details.join("; ") + more);
  }
  return dropUndefined(result.data) as ScimUserJson;
}

type TopLevel = { readonly kind: "extension"; readonly id: string; readonly attributes: readonly AttributeDefinition[] } | { readonly kind: "attribute"; readonly definition: AttributeDefinition | { readonly name: string } };

/** Lower-cased name -> the first entry of that name, built once: names are matched on every request. */
function byLowerName<T>(entries: readonly (readonly [string, T])[]): Map<string, T> {
  const index = new Map<string, T>();
  for (const [name, value] of entries) if (!index.has(name.toLowerCase())) index.set(name.toLowerCase(), value);
  return index;
}
const TOP_LEVEL = byLowerName<TopLevel>([
  ...extensions.map((schema) => [schema.id, { kind: "extension", id: schema.id, attributes: schema.attributes }] as const),
  ...[...commonAttributes, ...core.attributes, { name: "schemas" }].map((definition) => [definition.name, { kind: "attribute", definition }] as const),
]);
const subAttributeIndex = new WeakMap<readonly AttributeDefinition[], Map<string, AttributeDefinition>>();
function findAttribute(attributes: readonly AttributeDefinition[], key: string): AttributeDefinition | undefined {
  let index = subAttributeIndex.get(attributes);
  if (!index) subAttributeIndex.set(attributes, (index = byLowerName(attributes.map((a) => [a.name, a] as const))));
  return index.get(key.toLowerCase());
}

/** Attribute names are case-insensitive (RFC 7643 §2.1): rewrite them to their defined case. */
function canonicalise(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(body)) {
    const value = body[key];
    const known = TOP_LEVEL.get(key.toLowerCase());
    if (known?.kind === "extension") out[known.id] = isObject(value) ? renameKeys(value, known.attributes) : value;
    else if (known) out[known.definition.name] = "type" in known.definition ? renameValue(known.definition, value) : value;
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
  for (const key of Object.keys(value)) {
    const definition = findAttribute(attributes, key);
    if (definition) out[definition.name] = renameValue(definition, value[key]);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (value[key] !== undefined) out[key] = dropUndefined(value[key]);
  return out;
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
