/**
 * The one error the SCIM stages throw for a client-visible failure (RFC 7644 §3.12).
 * The HTTP stage renders it; anything else that escapes becomes a 500 or 503 without its text.
 */

export const SCIM_TYPES = [
  "invalidFilter",
  "tooMany",
  "uniqueness",
  "mutability",
  "invalidSyntax",
  "invalidPath",
  "noTarget",
  "invalidValue",
  "invalidVers",
  "sensitive",
] as const;
export type ScimType = (typeof SCIM_TYPES)[number];

/** Which status each scimType may accompany (RFC 7644 Table 9). */
const STATUS_OF: Record<ScimType, readonly number[]> = {
  invalidFilter: [400],
  tooMany: [400],
  uniqueness: [409],
  mutability: [400],
  invalidSyntax: [400],
  invalidPath: [400],
  noTarget: [400],
  invalidValue: [400],
  invalidVers: [400],
  sensitive: [403],
};

export class ScimError extends Error {
  override readonly name = "ScimError";

  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
    /** Extra response headers, e.g. Retry-After on 503. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    if (scimType && !STATUS_OF[scimType].includes(status)) {
      throw new TypeError(`scimType ${scimType} does not go with status ${status}`);
    }
  }

  static badRequest(scimType: ScimType, detail: string): ScimError {
    return new ScimError(400, scimType, detail);
  }

  static notFound(detail: string): ScimError {
    return new ScimError(404, undefined, detail);
  }
}
