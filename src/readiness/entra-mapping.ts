/**
 * Entra's attribute mappings: which tenant property feeds each SCIM attribute. By default those
 * of the BIS set-up guide (userName from userPrincipalName, emails from mail, ...); a small YAML
 * file overrides them for a tenant whose admin changed them: a source property, a constant, or a
 * source with a value map (Entra's Switch(), e.g. country names to ISO codes).
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { TenantUser } from "./tenant-export.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const attributeMappingSchema = z.union([
  z.object({ source: z.string(), values: z.record(z.string(), z.string()).optional(), default: z.string().optional() }).strict(),
  z.object({ constant: z.union([z.string(), z.boolean()]) }).strict(),
]);

export const entraMappingSchema = z
  .object({
    attributes: z
      .record(z.string(), attributeMappingSchema.nullable())
      .meta({ description: "SCIM attribute (as Entra's target attribute list writes it) -> where Entra takes it from; null: not mapped." }),
  })
  .strict();

export type AttributeMapping = z.infer<typeof attributeMappingSchema>;

/** The mappings of the BIS set-up guide, as Entra's BIS gallery app configures them. */
export const DEFAULT_ENTRA_MAPPINGS: Readonly<Record<string, AttributeMapping>> = {
  userName: { source: "userPrincipalName" },
  active: { source: "accountEnabled" },
  externalId: { source: "id" },
  'emails[type eq "work"].value': { source: "mail" },
  "name.givenName": { source: "givenName" },
  "name.familyName": { source: "surname" },
  title: { source: "jobTitle" },
  'addresses[type eq "work"].streetAddress': { source: "streetAddress" },
  'addresses[type eq "work"].locality': { source: "city" },
  'addresses[type eq "work"].region': { source: "state" },
  'addresses[type eq "work"].postalCode': { source: "postalCode" },
  'addresses[type eq "work"].country': { source: "country" },
  'phoneNumbers[type eq "work"].value': { source: "businessPhones" },
  'phoneNumbers[type eq "mobile"].value': { source: "mobilePhone" },
  [`${ENTERPRISE}:employeeNumber`]: { source: "employeeId" },
  [`${ENTERPRISE}:department`]: { source: "department" },
};

/** The guide's mappings with a file's overrides over them (null removes one). */
export function loadEntraMappings(file?: string): Record<string, AttributeMapping> {
  const mappings: Record<string, AttributeMapping> = { ...DEFAULT_ENTRA_MAPPINGS };
  if (!file) return mappings;
  const parsed = entraMappingSchema.safeParse(parseYaml(readFileSync(file, "utf8")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(file)"}: ${issue.message}`);
    throw new Error(`${file}: ${problems.join("; ")}`);
  }
  for (const [attribute, mapping] of Object.entries(parsed.data.attributes)) {
    if (mapping === null) delete mappings[attribute];
    else mappings[attribute] = mapping;
  }
  return mappings;
}

/** The SCIM User Entra would send for this tenant user (its first POST, or the values it compares). */
export function scimUserFor(user: TenantUser, mappings: Readonly<Record<string, AttributeMapping>>): Record<string, unknown> {
  const body: Record<string, unknown> = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE] };
  for (const [attribute, mapping] of Object.entries(mappings)) {
    const value = valueFor(user, mapping);
    if (value !== undefined) setPath(body, attribute, value);
  }
  return body;
}

function valueFor(user: TenantUser, mapping: AttributeMapping): unknown {
  if ("constant" in mapping) return mapping.constant;
  let value = user[mapping.source];
  // Graph's businessPhones is a list; Entra maps its first element.
  if (Array.isArray(value)) value = value[0];
  // Graph's manager is expanded as an object; Entra sends its id.
  if (value && typeof value === "object") value = (value as { id?: unknown }).id;
  if (value === undefined || value === null || value === "") return mapping.default;
  if (mapping.values && typeof value !== "boolean") return mapping.values[String(value)] ?? mapping.default ?? value;
  return value;
}

/** Sets `a`, `a.b`, `a[type eq "x"].b` or `urn:...:a` on a SCIM body, as Entra's target paths write them. */
function setPath(body: Record<string, unknown>, path: string, value: unknown): void {
  const extension = /^(urn:.+):([^:]+)$/.exec(path);
  if (extension) {
    const container = (body[extension[1]!] ??= {}) as Record<string, unknown>;
    return setPath(container, extension[2]!, value);
  }
  const element = /^(\w+)\[type eq "([^"]+)"\]\.(\w+)$/.exec(path);
  if (element) {
    const [, attribute, type, sub] = element as unknown as [string, string, string, string];
    const list = (body[attribute] ??= []) as Record<string, unknown>[];
    let entry = list.find((e) => e.type === type);
    if (!entry) list.push((entry = { type }));
    entry[sub] = value;
    return;
  }
  const [attribute, sub] = path.split(".") as [string, string | undefined];
  if (sub === undefined) body[attribute] = attribute === "manager" ? { value } : value;
  else ((body[attribute] ??= {}) as Record<string, unknown>)[sub] = value;
}
