/**
 * The PatchOp request message (RFC 7644 §3.5.2). Member names and `op` values are matched
 * case-insensitively because Entra's default dialect sends `Add`/`Replace`/`Remove`.
 */
import { z } from "zod";
import { ScimError } from "./scim-error.js";
import { URN } from "./schema-urns.js";

export const PATCH_OPS = ["add", "replace", "remove"] as const;
export type PatchOpName = (typeof PATCH_OPS)[number];

/** Renames members to their defined case: `operations` -> `Operations`, `OP` -> `op`. */
function memberNames(names: readonly string[]) {
  return (input: unknown) => {
    if (!input || typeof input !== "object" || Array.isArray(input)) return input;
    return Object.fromEntries(
      Object.entries(input).map(([key, value]) => [names.find((n) => n.toLowerCase() === key.toLowerCase()) ?? key, value]),
    );
  };
}

const operationSchema = z.preprocess(
  memberNames(["op", "path", "value"]),
  z
    .object(
      {
        op: z.preprocess(
          (op) => (typeof op === "string" ? op.trim().toLowerCase() : op),
          z.enum(PATCH_OPS, { error: (issue) => `${JSON.stringify(issue.input)} is not a PATCH operation; expected add, replace or remove` }),
        ),
        path: z.string({ error: "must be a string holding an attribute path" }).optional(),
        value: z.unknown().optional(),
      },
      { error: "must be an object with op, path and value" },
    )
    .superRefine((operation, context) => {
      // JSON has no undefined, so an undefined value means the member was absent; null clears.
      if (operation.op !== "remove" && operation.value === undefined) {
        context.addIssue({ code: "custom", path: ["value"], message: `is required for ${operation.op}` });
      }
    }),
);

export const patchRequestSchema = z.preprocess(
  memberNames(["schemas", "Operations"]),
  z.object(
    {
      schemas: z
        .array(z.string(), { error: `must be an array holding "${URN.patchOp}"` })
        .refine((schemas) => schemas.some((s) => s.toLowerCase() === URN.patchOp.toLowerCase()), `must contain "${URN.patchOp}"`),
      Operations: z.array(operationSchema, { error: "must be an array of operations" }).min(1, "must hold at least one operation"),
    },
    { error: "the request body must be a JSON object holding a PatchOp message" },
  ),
);

export type PatchRequest = z.infer<typeof patchRequestSchema>;
export type PatchOperation = PatchRequest["Operations"][number];

export function parsePatchRequest(body: unknown): PatchRequest {
  const result = patchRequestSchema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = formatPath(issue.path);
  // A missing value is a value problem; everything else is the message's shape.
  const scimType = issue.path[issue.path.length - 1] === "value" ? "invalidValue" : "invalidSyntax";
  throw ScimError.badRequest(scimType, where ? `${where} ${issue.message}` : issue.message);
}

/** ["Operations", 1, "op"] -> Operations[1].op */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}
