/**
 * What Entra's first provisioning cycle will do to each tenant user, predicted with the bridge's
 * own stages and nothing written: the SCIM body Entra would send (its attribute mappings), the
 * bridge's validation and mapping (parseUserResource, toBis), Entra's match (`userName eq`,
 * decided by the mailbox identity rule in the store) and the uniqueness of Entra's object id.
 */
import { mappedAttribute, type CompiledMapping } from "../mapping/compiled-mapping.js";
import { readTarget } from "../mapping/scim-access.js";
import { describeChanges, toBis } from "../mapping/user-mapper.js";
import { ScimError } from "../scim/scim-error.js";
import { URN } from "../scim/schema-urns.js";
import { parseUserResource } from "../scim/user-resource.js";
import type { BisUser, BisUserFields } from "../store/bis-user.js";
import { UnsupportedQueryError } from "../store/store-errors.js";
import type { UserStore } from "../store/user-store.js";
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
  readonly store: Pick<UserStore, "find" | "findByEmail">;
  readonly entraMappings: Readonly<Record<string, AttributeMapping>>;
}

export async function predict(deps: CycleDeps, tenantUser: TenantUser): Promise<Prediction> {
  const name = String(tenantUser.userPrincipalName ?? tenantUser.mail ?? tenantUser.id ?? "(no userPrincipalName)");
  const body = scimUserFor(tenantUser, deps.entraMappings);
  let fields: BisUserFields;
  let userName: string;
  let sent: BisUserFields;
  try {
    const resource = parseUserResource(body);
    userName = String(resource.userName ?? "");
    fields = toBis(deps.mapping, resource);
    sent = onlySent(deps.mapping, resource, fields);
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    return { user: name, outcome: "refused", bisIds: [], changes: [], reason: `${error.status} ${error.scimType ?? ""}: ${error.detail}`.replace(" : ", ": "), fix: fixFor(error.detail) };
  }
  const matched = await deps.store.findByEmail(userName);
  if (matched.length > 1) {
    return {
      user: name,
      outcome: "ambiguous",
      bisIds: matched.map((u) => u.id),
      changes: [],
      reason: `${matched.length} BIS users share the mailbox ${userName}: Entra's match finds them all and fails the user`,
      fix: "merge these BIS users, or correct their e-mails in BIS, before the first cycle",
    };
  }
  const self = matched[0];
  const holder = await objectIdHolder(deps, fields, self);
  if (holder) {
    return {
      user: name,
      outcome: "conflict",
      bisIds: [holder.user.id],
      changes: [],
      reason: `${holder.attribute} "${holder.value}" (Entra's object id) already belongs to BIS user ${holder.user.id}, whose e-mail is not ${userName}`,
      fix: `check whether BIS user ${holder.user.id} is this person under an old e-mail: then correct its e-mail in BIS; else clear its ${holder.attribute}`,
    };
  }
  if (!self) return { user: name, outcome: "create", bisIds: [], changes: [] };
  // Entra's PATCH carries the attributes its mappings give a value; the others stay as BIS has them.
  const after: BisUser = { ...self, fields: { ...self.fields, ...sent.fields }, children: mergeChildren(self.children, sent.children) };
  return { user: name, outcome: "match", bisIds: [self.id], changes: describeChanges(deps.mapping, self, after) };
}

/** Another live BIS user already holding the object id this user brings (externalId's column). */
async function objectIdHolder(deps: CycleDeps, fields: BisUserFields, self: BisUser | undefined) {
  const attribute = mappedAttribute(deps.mapping, URN.user, "externalId");
  if (attribute?.field.kind !== "column") return undefined;
  const value = fields.fields[attribute.field.column];
  if (typeof value !== "string" || value === "") return undefined;
  try {
    const page = await deps.store.find({ where: { kind: "compare", field: attribute.field, op: "eq", value, ignoreCase: false, caseExact: true }, offset: 0, limit: 5 });
    const other = page.users.find((u) => u.id !== self?.id);
    return other && { attribute: attribute.name, value, user: other };
  } catch (error) {
    // A REST API that cannot search by it: Entra's first cycle is decided by the e-mail alone.
    if (error instanceof UnsupportedQueryError) return undefined;
    throw error;
  }
}

/** The columns and child rows of the attributes Entra's body holds a value for. */
function onlySent(mapping: CompiledMapping, resource: Record<string, unknown>, fields: BisUserFields): BisUserFields {
  const columns: Record<string, BisUserFields["fields"][string]> = {};
  const children: Record<string, Record<string, string>> = {};
  for (const attribute of mapping.attributes) {
    const value = readTarget(resource, attribute.target);
    if (!attribute.entry.write || value === undefined || value === null) continue;
    const field = attribute.field;
    const names = field.kind === "column" ? (attribute.entry.columns ?? [field.column]) : field.kind === "lookup" ? [mapping.model.lookups.find((l) => l.name === field.lookup)!.column] : [];
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

/** The fix for the refusals a tenant's data commonly meets, in words an admin acts on. */
function fixFor(detail: string): string {
  const fixes: string[] = [];
  if (/country/.test(detail)) fixes.push("map country with a Switch() to ISO 3166 codes in Entra's attribute mappings (or fill the user's country with a code)");
  if (/is required by BIS/.test(detail)) {
    const missing = [...detail.matchAll(/(\S+) is required by BIS/g)].map((m) => m[1]);
    fixes.push(`fill ${missing.join(", ")} for this user in Entra, or give the attribute a default in Entra's mappings`);
  }
  if (/^userName: /.test(detail) || /userName: must/.test(detail)) fixes.push("give the user a userPrincipalName that is an e-mail address BIS can use as the login");
  if (/longer than|at most/.test(detail)) fixes.push("shorten the value in Entra, or truncate it with an expression in Entra's mappings");
  return fixes.length > 0 ? fixes.join("; ") : "correct the value in Entra (the detail names the attribute and the rule)";
}
