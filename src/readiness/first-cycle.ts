/**
 * What Entra's first provisioning cycle will do to each tenant user, predicted with the bridge's
 * own stages and nothing written: the SCIM body Entra would send (its attribute mappings), the
 * bridge's validation and mapping (parseUserResource, toBis), Entra's match (`userName eq`, one
 * mailbox by the identity rule) and the uniqueness of Entra's object id, decided against one
 * read of what BIS holds (BisView).
 */
import { mappedAttribute, type CompiledMapping } from "../mapping/compiled-mapping.js";
import { fixFor } from "../mapping/error-advice.js";
import { translateStoreError } from "../mapping/error-translation.js";
import { readTarget } from "../mapping/scim-access.js";
import { describeChanges, lookupColumn, lookupNamesIn, toBis } from "../mapping/user-mapper.js";
import { ScimError } from "../scim/scim-error.js";
import { URN } from "../scim/schema-urns.js";
import { parseUserResource } from "../scim/user-resource.js";
import type { BisUser, BisUserFields } from "../store/bis-user.js";
import { cleanEmail, emailIdentity, nameIdentity } from "../identity/email-identity.js";
import { DuplicateEmailError, MissingLookupError } from "../store/store-errors.js";
import type { LookupModel } from "../store/store-model.js";
import { scimUserFor, type AttributeMapping } from "./entra-mapping.js";
import type { TenantUser } from "./tenant-export.js";

export type Outcome = "match" | "create" | "ambiguous" | "refused" | "conflict";

export interface Prediction {
  /** The tenant user: its userPrincipalName (or mail, or id), as the admin knows it. */
  readonly user: string;
  readonly outcome: Outcome;
  /** The BIS users concerned: the one matched, those sharing the e-mail, the holder of the object id. */
  readonly bisIds: readonly string[];
  /** For a match: what the first PATCH changes, SCIM attribute by attribute. */
  readonly changes: readonly { readonly attribute: string; readonly old?: unknown; readonly new?: unknown }[];
  /** Why (refused, conflict, ambiguous), in the words Entra's error would carry. */
  readonly reason?: string;
  /** What to change so that the user provisions. */
  readonly fix?: string;
}

export interface CycleDeps {
  readonly mapping: CompiledMapping;
  readonly entraMappings: Readonly<Record<string, AttributeMapping>>;
}

/** A tenant user as Entra would send it and the bridge would map it, before BIS is asked. */
export type Prepared =
  | { readonly user: string; readonly refused: Prediction; readonly mailbox?: string }
  | {
      readonly user: string;
      readonly refused?: undefined;
      readonly mailbox: string;
      readonly userName: string;
      readonly sent: BisUserFields;
      readonly objectId?: string;
      /** The employee number Entra sends, compared as the bridge compares it (employeeNumber is not caseExact). */
      readonly employeeNumber?: string;
    };

/** Entra's body for the user through the bridge's validation and mapping: refused, or ready to match. */
export function prepare(deps: CycleDeps, tenantUser: TenantUser): Prepared {
  const user = String(tenantUser.userPrincipalName ?? tenantUser.mail ?? tenantUser.id ?? "(no userPrincipalName)");
  const body = scimUserFor(tenantUser, deps.entraMappings);
  try {
    const resource = parseUserResource(body);
    const userName = String(resource.userName ?? "");
    const fields = toBis(deps.mapping, resource);
    const objectId = columnValue(objectIdAttribute(deps.mapping), fields);
    const employeeNumber = columnValue(employeeNumberAttribute(deps.mapping), fields);
    return {
      user,
      mailbox: emailIdentity(userName),
      userName,
      sent: onlySent(deps.mapping, resource, fields),
      ...(objectId !== undefined && { objectId }),
      ...(employeeNumber !== undefined && { employeeNumber: employeeNumberKey(employeeNumber) }),
    };
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    const reason = `${error.status} ${error.scimType ?? ""}: ${error.detail}`.replace(" : ", ": ");
    // A refused user with a valid userName still meets its BIS user: Entra matches it, then its PATCH fails.
    const cleaned = typeof body.userName === "string" ? cleanEmail(body.userName) : undefined;
    const mailbox = cleaned && "email" in cleaned ? emailIdentity(cleaned.email) : undefined;
    return { user, refused: { user, outcome: "refused", bisIds: [], changes: [], reason, fix: fixFor(error.detail, error.status) }, ...(mailbox && { mailbox }) };
  }
}

/** What BIS holds that the tenant's users meet: the live users by mailbox, and by Entra object id. */
export interface BisView {
  readonly byMailbox: ReadonlyMap<string, readonly BisUser[]>;
  readonly byObjectId: ReadonlyMap<string, BisUser>;
  /** The live users holding the employee numbers the tenant sends (by employeeNumberKey). */
  readonly byEmployeeNumber?: ReadonlyMap<string, readonly BisUser[]>;
  /** Per lookup (by the mapping's name), the identities of the names its table holds; a lookup not here is not checked. */
  readonly lookupNames?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A name a tenant user sends for a lookup that BIS's table does not hold. */
export interface UnknownName {
  readonly lookup: LookupModel;
  readonly attribute: string;
  readonly value: string;
}

/** The lookup names in `sent` that BIS does not hold, by the identity rule the bridge's lookups use. */
export function unknownNames(mapping: CompiledMapping, sent: BisUserFields, bis: BisView): UnknownName[] {
  return lookupNamesIn(mapping, sent).filter(({ lookup, value }) => {
    const known = bis.lookupNames?.get(lookup.name);
    return known !== undefined && !known.has(nameIdentity(value));
  });
}

/** Entra's first cycle for one prepared user, decided against what BIS holds. */
export function decide(mapping: CompiledMapping, prepared: Prepared, bis: BisView): Prediction {
  if (prepared.refused) {
    const matched = prepared.mailbox === undefined ? [] : (bis.byMailbox.get(prepared.mailbox) ?? []);
    return { ...prepared.refused, bisIds: matched.map((u) => u.id) };
  }
  const { user, userName } = prepared;
  const matched = bis.byMailbox.get(prepared.mailbox) ?? [];
  const unknown = unknownNames(mapping, prepared.sent, bis);
  const refusing = unknown.find((u) => u.lookup.onMissing === "refuse");
  if (refusing) {
    // The words Entra's 400 would carry, from the bridge's own translation of the store's refusal.
    const error = translateStoreError(mapping, new MissingLookupError(refusing.lookup.name, refusing.value)) as ScimError;
    return {
      user,
      outcome: "refused",
      bisIds: matched.map((u) => u.id),
      changes: [],
      reason: `${error.status} ${error.scimType}: ${error.detail}`,
      fix: `add "${refusing.value}" to ${refusing.lookup.table} in BIS (or correct it in Entra), or set the lookup's missing: to empty or create`,
    };
  }
  const leftEmpty = unknown.filter((u) => u.lookup.onMissing === "empty");
  // An unknown name of a `missing: empty` lookup is stored as nothing: predict that, not the name.
  const sent = leftEmpty.length === 0 ? prepared.sent : { ...prepared.sent, fields: { ...prepared.sent.fields, ...Object.fromEntries(leftEmpty.map((u) => [u.lookup.column, null])) } };
  const note = leftEmpty.length === 0 ? {} : {
    reason: leftEmpty.map((u) => `${u.attribute}: "${u.value}" is not a name BIS knows: provisioned with it left empty (missing: empty)`).join("; "),
    fix: leftEmpty.map((u) => `add "${u.value}" to ${u.lookup.table} in BIS before the first cycle (or correct it in Entra)`).join("; "),
  };
  if (matched.length > 1) {
    return {
      user,
      outcome: "ambiguous",
      bisIds: matched.map((u) => u.id),
      changes: [],
      reason: `${matched.length} BIS users share the mailbox ${userName}: Entra's match finds them all and fails the user`,
      fix: "merge these BIS users, or correct their e-mails in BIS, before the first cycle",
    };
  }
  const self = matched[0];
  const holder = prepared.objectId === undefined ? undefined : bis.byObjectId.get(prepared.objectId);
  if (holder && holder.id !== self?.id) {
    const attribute = objectIdAttribute(mapping)!.name;
    return {
      user,
      outcome: "conflict",
      bisIds: [holder.id],
      changes: [],
      reason: `${attribute} "${prepared.objectId}" (Entra's object id) already belongs to BIS user ${holder.id}, whose e-mail is not ${userName}`,
      fix: `check whether BIS user ${holder.id} is this person under an old e-mail: then correct its e-mail in BIS; else clear its ${attribute}`,
    };
  }
  const numbered = employeeNumberHolders(mapping, prepared, bis, self);
  if (numbered) {
    const { attribute, column, holders } = numbered;
    const employeeNumber = String(prepared.sent.fields[column] ?? prepared.employeeNumber);
    const matchedOn = !self && mapping.matchOn.some((m) => m.column === column);
    if (matchedOn && mapping.duplicates === "adopt") {
      // The bridge's create matches on the employee number and takes the holder over.
      return predictMatch(mapping, user, holders[0]!, sent, note);
    }
    if (matchedOn) {
      const error = translateStoreError(mapping, new DuplicateEmailError(employeeNumber, holders.map((h) => h.id), column)) as ScimError;
      return { user, outcome: "conflict", bisIds: holders.map((h) => h.id), changes: [], reason: `${error.status} ${error.scimType}: ${error.detail}`, fix: `if BIS user ${holders[0]!.id} is this person under an old e-mail, correct its e-mail in BIS to ${userName}; or set matching.duplicates: adopt` };
    }
    const holderEmails = holders.map((h) => `${h.id} (${String(h.fields[mapping.model.emailColumn] ?? "")})`).join(", ");
    return {
      user,
      outcome: "conflict",
      bisIds: holders.map((h) => h.id),
      changes: [],
      reason: `${attribute} "${employeeNumber}" already belongs to BIS user ${holderEmails}: ${self ? `the first PATCH gives it to BIS user ${self.id} too` : "Entra's create makes a second BIS user for this employee"}`,
      fix: `if BIS user ${holders[0]!.id} is this person under an old e-mail, correct its e-mail in BIS to ${userName} (Entra then matches it); else correct the employee number in Entra or BIS`,
    };
  }
  if (!self) return { user, outcome: "create", bisIds: [], changes: [], ...note };
  return predictMatch(mapping, user, self, sent, note);
}

/** A match with BIS user `self`: Entra's PATCH carries the attributes its mappings give a value; the others stay as BIS has them. */
function predictMatch(mapping: CompiledMapping, user: string, self: BisUser, sent: BisUserFields, note: Pick<Prediction, "reason" | "fix">): Prediction {
  const after: BisUser = { ...self, fields: { ...self.fields, ...sent.fields }, children: mergeChildren(self.children, sent.children) };
  return { user, outcome: "match", bisIds: [self.id], changes: describeChanges(mapping, self, after), ...note };
}

/** Other live BIS users holding the employee number the user brings, with the attribute's name and column. */
function employeeNumberHolders(mapping: CompiledMapping, prepared: { readonly employeeNumber?: string }, bis: BisView, self: BisUser | undefined) {
  const attribute = employeeNumberAttribute(mapping);
  if (!attribute || attribute.field.kind !== "column" || prepared.employeeNumber === undefined) return undefined;
  const holders = (bis.byEmployeeNumber?.get(prepared.employeeNumber) ?? []).filter((h) => h.id !== self?.id);
  return holders.length > 0 ? { attribute: attribute.name, column: attribute.field.column, holders } : undefined;
}

/** The column the enterprise extension's employeeNumber is kept in, when the mapping has one. */
export function employeeNumberAttribute(mapping: CompiledMapping) {
  const attribute = mappedAttribute(mapping, URN.enterpriseUser, "employeeNumber");
  return attribute?.field.kind === "column" ? attribute : undefined;
}

/** Employee numbers compare trimmed and ignoring case, as the bridge's matching does (not caseExact). */
export function employeeNumberKey(value: string): string {
  return value.trim().toLowerCase();
}

/** The non-empty text the mapped fields hold in an attribute's column. */
function columnValue(attribute: ReturnType<typeof objectIdAttribute>, fields: BisUserFields): string | undefined {
  if (attribute?.field.kind !== "column") return undefined;
  const value = fields.fields[attribute.field.column];
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** A name BIS does not know, with how many tenant users send it and what the lookup does with it. */
export interface UnknownNameTally {
  readonly attribute: string;
  readonly table: string;
  readonly value: string;
  readonly users: number;
  readonly missing: LookupModel["onMissing"];
}

/** The unknown lookup names the tenant's users send, most users first (one name however it is written). */
export function tallyUnknownNames(mapping: CompiledMapping, prepared: Iterable<Prepared>, bis: BisView): UnknownNameTally[] {
  const tally = new Map<string, { attribute: string; table: string; value: string; users: number; missing: LookupModel["onMissing"] }>();
  for (const p of prepared) {
    if (p.refused) continue;
    for (const u of unknownNames(mapping, p.sent, bis)) {
      const key = `${u.lookup.name}\u0000${nameIdentity(u.value)}`;
      const entry = tally.get(key) ?? { attribute: u.attribute, table: u.lookup.table, value: u.value, users: 0, missing: u.lookup.onMissing };
      entry.users += 1;
      tally.set(key, entry);
    }
  }
  return [...tally.values()].sort((a, b) => b.users - a.users || a.value.localeCompare(b.value));
}

/** The column Entra's object id is kept in (externalId's), when the mapping has one. */
export function objectIdAttribute(mapping: CompiledMapping) {
  const attribute = mappedAttribute(mapping, URN.user, "externalId");
  return attribute?.field.kind === "column" ? attribute : undefined;
}

/** The columns and child rows of the attributes Entra's body holds a value for. */
function onlySent(mapping: CompiledMapping, resource: Record<string, unknown>, fields: BisUserFields): BisUserFields {
  const columns: Record<string, BisUserFields["fields"][string]> = {};
  const children: Record<string, Record<string, string>> = {};
  for (const attribute of mapping.attributes) {
    const value = readTarget(resource, attribute.target);
    if (!attribute.entry.write || value === undefined || value === null) continue;
    const field = attribute.field;
    const names = field.kind === "column" ? (attribute.entry.columns ?? [field.column]) : field.kind === "lookup" ? [lookupColumn(mapping, field.lookup)] : [];
    for (const name of names) if (name in fields.fields) columns[name] = fields.fields[name]!;
    if (field.kind === "child" && fields.children[field.child]?.[field.type] !== undefined) {
      (children[field.child] ??= {})[field.type] = fields.children[field.child]![field.type]!;
    }
  }
  return { fields: columns, children };
}

function mergeChildren(current: BisUser["children"], sent: BisUserFields["children"]): BisUser["children"] {
  const merged: Record<string, Record<string, string>> = {};
  for (const name of new Set([...Object.keys(current), ...Object.keys(sent)])) merged[name] = { ...current[name], ...sent[name] };
  return merged;
}
