/**
 * The SCIM filter AST (RFC 7644 §3.4.2.2), parsed once at the edge and never mutated.
 * `scim/` builds it, `mapping/` rewrites it onto BIS fields, stores never see it.
 */

/** `urn:...:User:manager.value` -> { schema: "urn:...:User", attribute: "manager", subAttribute: "value" } */
export interface AttributePath {
  readonly schema?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

export const COMPARE_OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"] as const;
export type CompareOperator = (typeof COMPARE_OPERATORS)[number];

export type FilterValue = string | number | boolean | null;

export interface CompareFilter {
  readonly kind: "compare";
  readonly path: AttributePath;
  readonly op: CompareOperator;
  readonly value: FilterValue;
}

export interface PresentFilter {
  readonly kind: "present";
  readonly path: AttributePath;
}

export interface LogicalFilter {
  readonly kind: "and" | "or";
  readonly left: Filter;
  readonly right: Filter;
}

export interface NotFilter {
  readonly kind: "not";
  readonly filter: Filter;
}

/**
 * `emails[type eq "work"]`: the inner filter's paths are relative to one element of the
 * multi-valued attribute. Entra's `emails[type eq "work"].value eq "x"` is parsed as
 * `emails[type eq "work" and value eq "x"]`, which keeps the same-element semantics.
 */
export interface ValuePathFilter {
  readonly kind: "valuePath";
  readonly path: AttributePath;
  readonly filter: Filter;
}

export type Filter = CompareFilter | PresentFilter | LogicalFilter | NotFilter | ValuePathFilter;

/** A PATCH path (RFC 7644 §3.5.2): `attrPath` or `valuePath [ "." subAttr ]`. */
export interface PatchPath {
  readonly path: AttributePath;
  readonly filter?: Filter;
  /** Set when a filtered path names a sub-attribute: `emails[type eq "work"].value`. */
  readonly valueSubAttribute?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Entra's probe at the start of every provisioning cycle (and Test Connection): its matching
 * attribute, userName for BIS, compared to a random GUID, a user that cannot exist. (An
 * externalId eq GUID is Entra matching a real object id, not a probe.)
 */
export function isEntraProbe(filter: Filter | undefined): boolean {
  return (
    filter?.kind === "compare" &&
    filter.op === "eq" &&
    filter.path.attribute.toLowerCase() === "username" &&
    filter.path.subAttribute === undefined &&
    typeof filter.value === "string" &&
    GUID.test(filter.value)
  );
}
