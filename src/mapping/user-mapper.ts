/**
 * SCIM User <-> BIS user, attribute by attribute as the mapping says. toBis also enforces
 * BIS's rules (required attributes, lengths, country codes, dates) and reports every breach in
 * one 400 naming the attributes, before anything is written.
 */
import { ScimError } from "../scim/scim-error.js";
import { URN, USER_EXTENSIONS } from "../scim/schema-urns.js";
import type { ScimUserJson } from "../scim/user-resource.js";
import type { BisUser, BisUserFields, ColumnValue } from "../store/bis-user.js";
import type { LookupModel } from "../store/store-model.js";
import type { CompiledMapping, MappedAttribute } from "./compiled-mapping.js";
import { readTarget, writeTarget } from "./scim-access.js";
import { decodeValue, encodeValue, joinValues, splitValue, ValueRuleError } from "./value-codec.js";

export function toBis(mapping: CompiledMapping, user: ScimUserJson): BisUserFields {
  const fields: Record<string, ColumnValue> = {};
  const children: Record<string, Record<string, string>> = {};
  const problems: string[] = [];
  for (const attribute of mapping.attributes) {
    if (!attribute.entry.write) continue;
    let value: ColumnValue;
    try {
      const sent = readTarget(user, attribute.target);
      value = encodeValue(attribute.entry, sent === undefined || sent === null || sent === "" ? attribute.entry.default : sent);
    } catch (error) {
      if (!(error instanceof ValueRuleError)) throw error;
      problems.push(`${attribute.name} ${error.message}`);
      continue;
    }
    if (value === null && attribute.entry.required) {
      problems.push(`${attribute.name} is required by BIS`);
      continue;
    }
    const field = attribute.field;
    if (field.kind === "column" && attribute.entry.columns) {
      splitValue(attribute.entry, value).forEach((part, i) => (fields[attribute.entry.columns![i]!] = part));
    } else if (field.kind === "column") fields[field.column] = value;
    else if (field.kind === "lookup") fields[lookupColumn(mapping, field.lookup)] = value;
    else if (field.kind === "child") {
      children[field.child] ??= {};
      if (value !== null) children[field.child][field.type] = String(value);
    }
  }
  if (problems.length > 0) throw ScimError.badRequest("invalidValue", problems.join("; "));
  for (const constant of mapping.constants) fields[constant.column] = constant.value;
  return { fields, children };
}

export interface ResourceContext {
  /** The SCIM base URL, e.g. https://bridge.example.com/scim/v2, for meta.location and $ref. */
  readonly baseUrl: string;
}

/**
 * A user cannot be their own manager (BIS would loop in its reporting lines): 400 invalidValue
 * naming the attribute when an update points a user reference at the user being updated.
 */
export function refuseSelfReference(mapping: CompiledMapping, id: string, user: BisUserFields): void {
  for (const attribute of mapping.attributes) {
    if (attribute.entry.valueType !== "userReference" || attribute.field.kind !== "column") continue;
    const value = user.fields[attribute.field.column];
    if (value !== null && value !== undefined && String(value) === id) {
      throw ScimError.badRequest("invalidValue", `${attribute.name}: a user cannot be their own ${attribute.target.attribute} (BIS user ${id})`);
    }
  }
}

export function toScim(mapping: CompiledMapping, user: BisUser, context: ResourceContext): ScimUserJson {
  const resource: ScimUserJson = { id: user.id };
  for (const attribute of mapping.attributes) {
    const value = decodeValue(attribute.entry, readField(mapping, attribute, user));
    if (value === undefined) continue;
    if (attribute.entry.valueType === "userReference") {
      writeTarget(resource, attribute.target, { value, $ref: `${context.baseUrl}/Users/${value}` });
    } else {
      writeTarget(resource, attribute.target, value);
    }
  }
  // The only e-mail BIS keeps is the login, so it is the primary one.
  const emails = resource.emails as Record<string, unknown>[] | undefined;
  if (emails?.length === 1) emails[0].primary = true;
  const location = `${context.baseUrl}/Users/${user.id}`;
  return {
    schemas: [URN.user, ...USER_EXTENSIONS.filter((urn) => resource[urn] !== undefined)],
    ...resource,
    meta: {
      resourceType: "User",
      ...(user.created && { created: user.created.toISOString() }),
      ...(user.modified && { lastModified: user.modified.toISOString() }),
      location,
      ...(user.modified && { version: `W/"${user.modified.getTime().toString(36)}"` }),
    },
  };
}

function readField(mapping: CompiledMapping, attribute: MappedAttribute, user: BisUser): unknown {
  const field = attribute.field;
  switch (field.kind) {
    case "key":
      return user.id;
    case "column":
      return attribute.entry.columns ? joinValues(attribute.entry, attribute.entry.columns.map((column) => user.fields[column])) : user.fields[field.column];
    case "lookup":
      return user.fields[lookupColumn(mapping, field.lookup)];
    case "child":
      return user.children[field.child]?.[field.type];
  }
}

/** The user-table column a lookup of the mapping keeps its key in. */
export function lookupColumn(mapping: CompiledMapping, name: string): string {
  return mapping.model.lookups.find((l) => l.name === name)!.column;
}

/** Attribute name (as the mapping writes it) -> SCIM value, for every mapped attribute that has one. */
export function mappedValues(mapping: CompiledMapping, user: BisUser): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const attribute of mapping.attributes) {
    const value = decodeValue(attribute.entry, readField(mapping, attribute, user));
    if (value !== undefined) values[attribute.name] = value;
  }
  return values;
}

/** What a write changed, attribute by attribute; before is undefined for a create. */
export function describeChanges(mapping: CompiledMapping, before: BisUser | undefined, after: BisUser): { attribute: string; old?: unknown; new?: unknown }[] {
  const old = before ? mappedValues(mapping, before) : {};
  const now = mappedValues(mapping, after);
  return mapping.attributes
    .map((a) => a.name)
    .filter((name) => old[name] !== now[name])
    .map((name) => ({ attribute: name, ...(name in old && { old: old[name] }), ...(name in now && { new: now[name] }) }));
}

/**
 * The fields of a user deactivated instead of deleted: active off, and the termination date
 * (the BIS extension's terminationdate, when mapped) set to `today` unless one is already set.
 */
export function deactivated(mapping: CompiledMapping, user: BisUser, today: string): BisUserFields {
  const fields: Record<string, ColumnValue> = { ...user.fields };
  for (const attribute of mapping.attributes) {
    if (attribute.field.kind !== "column" || !attribute.entry.write) continue;
    // Through the attribute's value map (Y/N, A/I, ...), as a PATCH of active=false writes it.
    if (attribute.target.schema === URN.user && attribute.target.attribute === "active") fields[attribute.field.column] = encodeValue(attribute.entry, false);
    // In the column's own form (a dateFormat, a time zone), as if Entra had sent the date.
    if (attribute.target.schema === URN.bisUser && attribute.target.attribute === "terminationdate") fields[attribute.field.column] ??= encodeValue(attribute.entry, today);
  }
  return { fields, children: user.children };
}

/** A name sent for a lookup that leaves unknown names empty, and whether BIS knew it. */
export interface LookupNameSent {
  /** The SCIM attribute Entra sent it in, as the mapping names it. */
  readonly attribute: string;
  readonly lookup: string;
  readonly value: string;
  /** False: BIS does not know the name, and the column was left empty (`missing: empty`). */
  readonly known: boolean;
}

/** The lookup names a write sends, with the lookup and the SCIM attribute they came in. */
export function lookupNamesIn(mapping: CompiledMapping, sent: BisUserFields): { readonly lookup: LookupModel; readonly attribute: string; readonly value: string }[] {
  return mapping.model.lookups.flatMap((lookup) => {
    const value = String(sent.fields[lookup.column] ?? "").trim();
    if (value === "") return [];
    const attribute = mapping.attributes.find((a) => a.field.kind === "lookup" && a.field.lookup === lookup.name)?.name ?? lookup.name;
    return [{ lookup, attribute, value }];
  });
}

/**
 * The names `sent` gave lookups with `missing: empty`, each told known when the stored user holds
 * it: an unknown one was written empty, and the operator must add it to BIS.
 */
export function lookupNamesSent(mapping: CompiledMapping, sent: BisUserFields, stored: BisUser): LookupNameSent[] {
  return lookupNamesIn(mapping, sent)
    .filter(({ lookup }) => lookup.onMissing === "empty")
    .map(({ lookup, attribute, value }) => ({ attribute, lookup: lookup.name, value, known: String(stored.fields[lookup.column] ?? "") !== "" }));
}
