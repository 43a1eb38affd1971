/** The query of a list request (RFC 7644 §3.4.2): filter, paging and attribute selection. */
import { z } from "zod";
import type { Filter } from "./filter-ast.js";
import { parseFilter } from "./filter-parser.js";
import { ScimError } from "./scim-error.js";

export interface ListRequest {
  readonly filter?: Filter;
  /** 1-based, as SCIM counts. */
  readonly startIndex: number;
  readonly count: number;
  readonly attributes: readonly string[];
  readonly excludedAttributes: readonly string[];
}

export interface PagingLimits {
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
}

const integer = (name: string) =>
  z
    .string()
    .regex(/^-?\d+$/, `${name} must be an integer`)
    .transform(Number)
    .optional();

const querySchema = z.object({
  filter: z.string().optional(),
  startIndex: integer("startIndex"),
  count: integer("count"),
  attributes: z.string().optional(),
  excludedAttributes: z.string().optional(),
});

export function parseAttributeNames(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

export function parseListRequest(query: Record<string, unknown>, limits: PagingLimits): ListRequest {
  const single = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const result = querySchema.safeParse(single);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw ScimError.badRequest("invalidValue", `${issue.path.join(".")}: ${issue.message}`);
  }
  const q = result.data;
  return {
    filter: q.filter !== undefined && q.filter.trim() !== "" ? parseFilter(q.filter) : undefined,
    // RFC 7644 §3.4.2.4: values below 1 are read as 1; a negative count as 0.
    startIndex: Math.max(1, q.startIndex ?? 1),
    count: Math.min(limits.maxPageSize, Math.max(0, q.count ?? limits.defaultPageSize)),
    attributes: parseAttributeNames(q.attributes),
    excludedAttributes: parseAttributeNames(q.excludedAttributes),
  };
}
