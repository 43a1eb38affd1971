/**
 * A filter already rewritten onto BIS fields by the mapping. Each store translates it into its
 * own query language or refuses it with UnsupportedQueryError; none evaluates it in memory.
 */
import type { ColumnValue } from "./bis-user.js";

export type Field =
  | { readonly kind: "key" }
  | { readonly kind: "column"; readonly column: string }
  /** The looked-up name behind a lookup column. */
  | { readonly kind: "lookup"; readonly lookup: string }
  /** The value of one child row of a given type. */
  | { readonly kind: "child"; readonly child: string; readonly type: string };

export type ConditionOperator = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";

export type Condition =
  | {
      readonly kind: "compare";
      readonly field: Field;
      readonly op: ConditionOperator;
      readonly value: ColumnValue;
      /** SCIM caseExact=false: compare without regard to case (e.g. the e-mail). */
      readonly ignoreCase: boolean;
      /**
       * SCIM caseExact=true on a text attribute (e.g. externalId): where the collation ignores
       * case, the store adds a byte-wise comparison. Never set for dates, numbers or flags.
       */
      readonly caseExact?: boolean;
    }
  | { readonly kind: "present"; readonly field: Field }
  | { readonly kind: "and" | "or"; readonly conditions: readonly Condition[] }
  | { readonly kind: "not"; readonly condition: Condition }
  /** Matches nothing: e.g. `id eq "not-a-number"` on an integer key. */
  | { readonly kind: "none" };

export interface UserQuery {
  readonly where?: Condition;
  /** 0-based. */
  readonly offset: number;
  readonly limit: number;
}

export interface UserPage {
  readonly total: number;
  readonly users: readonly import("./bis-user.js").BisUser[];
}
