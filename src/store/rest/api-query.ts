/**
 * A mapped filter -> the API calls that find its candidates (by id, or by a search parameter),
 * and the condition that refines them. Only the few records those calls return are refined in
 * memory; a filter no call can narrow is refused, never answered by paging through BIS.
 */
import type { ApiModel } from "./api-model.js";
import type { BisUser, ColumnValue } from "../bis-user.js";
import { UnsupportedQueryError } from "../store-errors.js";
import type { Condition, Field } from "../user-query.js";
import { emailIdentity } from "../../identity/email-identity.js";

export type Lookup = { readonly kind: "id"; readonly id: string } | { readonly kind: "search"; readonly param: string; readonly value: string };

/** The calls whose answers hold every user the condition selects (possibly more). */
export function planLookups(api: ApiModel, condition: Condition): Lookup[] {
  const plan = lookupsFor(api, condition);
  if (plan) return plan;
  const searchable = ["id", ...Object.keys(api.search)].join(", ");
  throw new UnsupportedQueryError(`the BIS API finds users only by ${searchable}: the filter needs an eq condition on one of them in every branch of an or`);
}

function lookupsFor(api: ApiModel, condition: Condition): Lookup[] | undefined {
  switch (condition.kind) {
    case "none":
      return [];
    case "compare": {
      if (condition.op !== "eq" || condition.value === null) return undefined;
      const value = String(condition.value);
      if (condition.field.kind === "key") return [{ kind: "id", id: value }];
      if (condition.field.kind !== "column") return undefined;
      const param = api.search[condition.field.column];
      // The e-mail is searched for by its identity (the API matches it regardless of case); matches() decides.
      const searched = condition.field.column === api.email ? emailIdentity(value) : value;
      return param ? [{ kind: "search", param, value: searched }] : undefined;
    }
    case "and":
      for (const part of condition.conditions) {
        const plan = lookupsFor(api, part);
        if (plan) return plan;
      }
      return undefined;
    case "or": {
      const plans = condition.conditions.map((part) => lookupsFor(api, part));
      return plans.every((p) => p !== undefined) ? plans.flat() : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Whether a user fetched by the lookups really matches the condition (SCIM comparison rules);
 * equality on the e-mail field is the identity rule (one mailbox however written).
 */
export function matches(user: BisUser, condition: Condition, emailField: string): boolean {
  switch (condition.kind) {
    case "none":
      return false;
    case "and":
      return condition.conditions.every((c) => matches(user, c, emailField));
    case "or":
      return condition.conditions.some((c) => matches(user, c, emailField));
    case "not":
      return !matches(user, condition.condition, emailField);
    case "present": {
      const value = valueOf(user, condition.field);
      return value !== null && value !== undefined && value !== "";
    }
    case "compare": {
      const actual = valueOf(user, condition.field);
      const isEmail = condition.field.kind === "column" && condition.field.column === emailField;
      if (isEmail && condition.op === "eq" && typeof actual === "string" && typeof condition.value === "string") {
        return emailIdentity(actual) === emailIdentity(condition.value);
      }
      return compare(actual, condition.op, condition.value, condition.ignoreCase);
    }
  }
}

function valueOf(user: BisUser, field: Field): ColumnValue | undefined {
  if (field.kind === "key") return user.id;
  if (field.kind === "column") return user.fields[field.column];
  return undefined;
}

function compare(actual: ColumnValue | undefined, op: string, expected: ColumnValue, ignoreCase: boolean): boolean {
  if (actual === null || actual === undefined) return op === "ne" ? expected !== null : false;
  const fold = (v: ColumnValue) => (typeof v === "string" && ignoreCase ? v.toLowerCase() : typeof v === "boolean" ? String(v) : v);
  const a = fold(actual);
  const e = fold(expected);
  switch (op) {
    case "eq":
      return String(a) === String(e);
    case "ne":
      return String(a) !== String(e);
    case "co":
      return String(a).includes(String(e));
    case "sw":
      return String(a).startsWith(String(e));
    case "ew":
      return String(a).endsWith(String(e));
    default: {
      const order = typeof a === "number" && typeof e === "number" ? a - e : String(a).localeCompare(String(e));
      return op === "gt" ? order > 0 : op === "ge" ? order >= 0 : op === "lt" ? order < 0 : order <= 0;
    }
  }
}
