/**
 * The YAML mapping consultants edit: which BIS table and columns hold each SCIM attribute.
 * Validated at start-up; every BIS table and column name the bridge uses comes from here.
 */
import { z } from "zod";
import { compileDateFormat, DATE_TOKENS_HELP, isTimeZone, missingTime } from "./date-codec.js";
import { apiModelSchema, fieldPath } from "../store/rest/api-model.js";

const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_ ]*$/, "must be a table or column name (letters, digits, _ and spaces)");

const lookupSchema = z.strictObject({
  column: identifier.meta({ description: "Column on the user table holding the lookup's key." }),
  table: identifier,
  key: identifier,
  name: identifier.meta({ description: "Column with the name Entra sends (e.g. the department's name)." }),
  missing: z
    .enum(["create", "refuse", "empty"])
    .default("refuse")
    .meta({ description: "A name BIS does not know yet: add it to the table (create), refuse the request with 400 (refuse), or provision the user with the column left empty and report the name (empty)." }),
});

const childSchema = z.strictObject({
  table: identifier,
  parent: identifier.meta({ description: "Column pointing at the user's key." }),
  type: identifier.meta({ description: "Column telling the rows apart (e.g. the phone type: WORK or MOBILE)." }),
  value: identifier,
});

export const VALUE_TYPES = ["string", "boolean", "date", "dateTime", "userReference"] as const;
export const TRANSFORMS = ["country-alpha2", "country-alpha3", "country-numeric", "phone-e164", "trim", "lower", "upper"] as const;

/** The width of the code each country transform stores. */
export const COUNTRY_CODE_WIDTH: Partial<Record<(typeof TRANSFORMS)[number], number>> = { "country-alpha2": 2, "country-alpha3": 3, "country-numeric": 3 };

function isRegExp(pattern: string, flags: string): boolean {
  try {
    new RegExp(pattern, flags);
    return true;
  } catch {
    return false;
  }
}

const attributeSchema = z
  .strictObject({
    scim: z.string().min(1).meta({ description: "SCIM attribute path as Entra names it, e.g. `addresses[type eq \"work\"].country`." }),
    column: identifier.optional().meta({ description: "Column of the user table holding the value." }),
    columns: z
      .array(identifier)
      .min(2)
      .optional()
      .meta({ description: "Columns of the user table holding one value together (e.g. street and house number): written split at the separator, read back joined with it." }),
    separator: z.string().min(1).optional().meta({ description: "With columns: the text between the parts, e.g. a space." }),
    splitFrom: z
      .enum(["start", "end"])
      .optional()
      .meta({ description: "With columns: start (default) gives each column but the last one part and the last column the rest; end gives each column but the first one part from the end (a house number) and the first column the rest." }),
    field: fieldPath.optional().meta({ description: "With api: the field of the API's record holding the value (e.g. address.province)." }),
    lookup: z.string().optional().meta({ description: "Name of an entry under `lookups`." }),
    child: z.string().optional().meta({ description: "Name of an entry under `children`." }),
    type: z.string().optional().meta({ description: "Value of the child's type column for this attribute (e.g. MOBILE)." }),
    valueType: z.enum(VALUE_TYPES).default("string").meta({ description: "How the column holds the value; userReference: another BIS user's key (the manager)." }),
    transform: z.enum(TRANSFORMS).optional().meta({ description: "country-alpha2, country-alpha3, country-numeric: ISO 3166-1 alpha-2 or alpha-3 in, that form stored (CA, CAN or 124); phone-e164: a phone number stored as +<country><number>; trim, lower, upper." }),
    defaultCountry: z.string().regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 code").optional().meta({ description: "For phone-e164: the country of numbers written without +<country code>." }),
    dateFormat: z
      .string()
      .superRefine((format, ctx) => {
        try {
          compileDateFormat(format);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
        }
      })
      .optional()
      .meta({ description: `For date and dateTime: the column holds text in this format, e.g. DD.MM.YYYY or DD.MM.YYYY HH:mm (tokens ${DATE_TOKENS_HELP}). Default: YYYY-MM-DD for a date, YYYY-MM-DD HH:mm:ss for a dateTime (what DATE and DATETIME columns take).` }),
    timeZone: z
      .string()
      .refine(isTimeZone, { message: "must be an IANA time zone, e.g. Europe/Berlin or UTC" })
      .optional()
      .meta({ description: "For dateTime: the column holds local time in this IANA time zone (e.g. Europe/Berlin), converted from and to the UTC times Entra sends. For date: date-times Entra sends are taken as that zone's calendar date, and the date is answered as midnight there. Default: UTC." }),
    replace: z
      .strictObject({ pattern: z.string().min(1), with: z.string(), flags: z.string().regex(/^[gimsu]*$/).default("g") })
      .refine((r) => isRegExp(r.pattern, r.flags), { message: "pattern is not a valid regular expression", path: ["pattern"] })
      .optional()
      .meta({ description: "A regular-expression replacement applied to values written to BIS ($1.. refer to groups)." }),
    values: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: "A closed map from SCIM values to BIS values (read back in reverse); any other value is refused. For a boolean: { \"true\": Y, \"false\": N }." }),
    default: z.union([z.string(), z.boolean()]).optional().meta({ description: "The value written when Entra sends none (a SCIM value: it goes through the transforms)." }),
    required: z.boolean().default(false).meta({ description: "BIS cannot store a user without it: requests lacking it get 400 invalidValue." }),
    maxLength: z.number().int().positive().optional().meta({ description: "The column's length; longer values get 400 instead of a truncation or a database error." }),
    write: z.boolean().default(true).meta({ description: "false: returned to Entra but never written from this attribute (another one owns the column)." }),
    filter: z.enum(["indexed", "refine"]).optional().meta({ description: "indexed: an index serves it, so a filter may select on it alone; refine: allowed only beside an indexed condition (never a table scan)." }),
  })
  .refine((a) => [a.column, a.columns, a.field, a.lookup, a.child].filter(Boolean).length === 1, {
    message: "give exactly one of column, columns, field, lookup or child",
  })
  .refine((a) => !a.child || a.type, { message: "a child attribute needs the child row's type", path: ["type"] })
  .refine((a) => a.transform !== "phone-e164" || a.defaultCountry, { message: "phone-e164 needs defaultCountry for numbers without a country code", path: ["defaultCountry"] })
  .refine((a) => !a.replace || a.valueType === "string", { message: "replace applies to string attributes", path: ["replace"] })
  .refine((a) => !a.values || a.valueType === "string" || a.valueType === "boolean", { message: "values apply to string and boolean attributes", path: ["values"] })
  .refine((a) => a.valueType !== "boolean" || !a.values || ("true" in a.values && "false" in a.values), { message: 'a boolean value map needs both "true" and "false"', path: ["values"] })
  .refine((a) => (!a.dateFormat && !a.timeZone) || a.valueType === "date" || a.valueType === "dateTime", { message: "dateFormat and timeZone apply to valueType date or dateTime", path: ["valueType"] })
  .refine((a) => !a.columns === !a.separator, { message: "columns and separator go together: the columns hold the value's parts, split at the separator", path: ["separator"] })
  .refine((a) => !a.splitFrom || a.columns, { message: "splitFrom applies to columns", path: ["splitFrom"] })
  .refine((a) => !a.columns || (a.valueType === "string" && !a.values && !a.filter), { message: "columns holds a string's parts: no valueType other than string, no values map, no filter", path: ["columns"] })
  .superRefine((a, ctx) => {
    const problem = a.valueType === "dateTime" && a.dateFormat && isFormat(a.dateFormat) ? missingTime(a.dateFormat) : undefined;
    if (problem) ctx.addIssue({ code: "custom", message: problem, path: ["dateFormat"] });
  })
  .refine((a) => !a.filter || !a.dateFormat || !isFormat(a.dateFormat) || a.dateFormat.startsWith("YYYY"), {
    message: "a filter compares the stored text, which sorts like the dates only when the dateFormat starts with YYYY",
    path: ["filter"],
  });

function isFormat(format: string): boolean {
  try {
    compileDateFormat(format);
    return true;
  } catch {
    return false;
  }
}

/** A flag column's stored value: text such as Y or N, or a number code. */
const flagValue = z.union([z.string().min(1), z.number()]);

export const mappingSchema = z.strictObject({
  version: z.literal(1),
  api: apiModelSchema.optional().meta({ description: "A BIS reached through its REST API (store engine rest): the calls, instead of user:'s tables." }),
  user: z.strictObject({
    table: identifier,
    key: identifier.meta({ description: "Primary key generated by BIS; it becomes the SCIM id." }),
    email: identifier.meta({ description: "The login e-mail that userName maps to; matched case-insensitively, kept unique by the bridge." }),
    created: identifier.optional(),
    modified: identifier.optional(),
    deleted: z
      .union([
        identifier,
        z.strictObject({
          column: identifier,
          values: z
            .strictObject({ true: flagValue, false: flagValue })
            .meta({ description: 'What the column holds for a deleted user ("true") and a live one ("false"), e.g. { "true": Y, "false": N }.' }),
        }),
      ])
      .optional()
      .meta({ description: "Soft-delete flag: DELETE sets it, and flagged users are gone for SCIM. A column name for a BIT/boolean flag, or { column, values } for a flag kept as text or codes (Y/N, 1/0)." }),
  }).optional().meta({ description: "A BIS reached through its tables (SQL store engines); give user: or api:." }),
  matching: z
    .strictObject({
      duplicates: z.enum(["conflict", "adopt"]).default("conflict").meta({ description: "A create whose e-mail exists: answer 409 (conflict) or take over that user (adopt)." }),
      attributes: z
        .array(z.string())
        .min(1)
        .default(["userName"])
        .meta({ description: "Attributes a create is matched on, in precedence order (like Entra's matching precedence); userName is always checked first. Each must be mapped to a user-table column with filter: indexed." }),
    })
    .default({ duplicates: "conflict", attributes: ["userName"] }),
  delete: z.enum(["soft", "hard", "deactivate"]).default("soft").meta({ description: "DELETE marks the user deleted (soft), removes the row (hard; refused while dependents exist), or only disables it and sets its termination date to today (deactivate; the user stays visible)." }),
  lookups: z.record(z.string(), lookupSchema).default({}),
  children: z.record(z.string(), childSchema).default({}),
  write: z
    .strictObject({
      create: z
        .strictObject({ sql: z.string().min(1) })
        .optional()
        .meta({ description: "Create the user row with your own statement instead of the generated INSERT: a stored procedure call or any SQL, with :Column named parameters, answering a row that holds the new key column. Runs inside the bridge's transaction, after its duplicate check." }),
      update: z
        .strictObject({ sql: z.string().min(1) })
        .optional()
        .meta({ description: "Update the user row with your own statement instead of the generated UPDATE: called with the user's whole new state (every mapped column as :Column, lookup columns carrying keys) and its key as :<key column>, inside the bridge's transaction and lock, whenever something about the user changed (also for an adopt, and for delete: deactivate)." }),
      delete: z
        .strictObject({ sql: z.string().min(1) })
        .optional()
        .meta({ description: "Delete the user (delete: soft or hard) with your own statement instead of the generated one: called with :<key column> (and :<modified column>, the time of the write), inside the bridge's transaction and lock, after the bridge found the user (and, for hard, no dependent rows). The user must be gone for SCIM afterwards." }),
    })
    .default({}),
  constants: z
    .array(z.strictObject({ column: identifier, value: z.union([z.string(), z.number(), z.boolean()]) }))
    .default([])
    .meta({ description: "Columns of the user table written with a fixed value on every create and update (e.g. the source system); never shown to Entra." }),
  dependents: z.array(z.strictObject({ table: identifier, column: identifier })).default([]).meta({ description: "Tables whose rows point at users (e.g. training records): never touched, and they block a hard delete." }),
  attributes: z.array(attributeSchema).min(1),
}).refine((m) => (m.user === undefined) !== (m.api === undefined), { message: "give either user: (BIS tables) or api: (BIS REST API)" });

export type MappingFile = z.infer<typeof mappingSchema>;
export type AttributeEntry = MappingFile["attributes"][number];

/** The JSON Schema of mapping files, for editors' completion and checks (npx bis-scim-bridge mapping-schema). */
export function mappingJsonSchema(): Record<string, unknown> {
  return { title: "bis-scim-bridge mapping", ...z.toJSONSchema(mappingSchema, { io: "input", unrepresentable: "any" }) };
}
