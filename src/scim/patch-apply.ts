/**
 * PATCH for a SCIM User (RFC 7644 §3.5.2): validate the message, normalise Entra's dialects,
 * apply each operation to a copy of the resource as read, and say whether anything changed so
 * the caller can skip a no-op write.
 */
import { isDeepStrictEqual } from "node:util";
import { PATCH_HANDLERS } from "./patch-handlers.js";
import { normaliseOperations } from "./patch-normalise.js";
import { parsePatchRequest } from "./patch-request.js";
import type { ScimUserJson } from "./user-resource.js";

export interface PatchResult {
  readonly resource: ScimUserJson;
  readonly changed: boolean;
}

/** `request` may be the raw body or an already parsed PatchRequest; the input is never mutated. */
export function applyPatch(resource: ScimUserJson, request: unknown): PatchResult {
  // Every operation is checked before any is applied, so a bad one rejects the whole PATCH.
  const operations = normaliseOperations(parsePatchRequest(request));
  const patched = structuredClone(resource);
  for (const operation of operations) PATCH_HANDLERS[operation.op](patched, operation);
  return {
    resource: patched,
    // Asked for rarely (the store compares columns itself): compared only when asked.
    get changed() {
      return !isDeepStrictEqual(resource, patched);
    },
  };
}
