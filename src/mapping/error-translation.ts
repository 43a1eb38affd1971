/**
 * Turns a store's typed failure into the SCIM error Entra should see, naming the SCIM
 * attribute behind the BIS column. Unknown errors pass through (the HTTP stage makes them 500).
 */
import { ScimError } from "../scim/scim-error.js";
import {
  BackendUnavailableError,
  BackendValidationError,
  DeleteRefusedError,
  DependentRowsError,
  DuplicateEmailError,
  MissingLookupError,
  MissingReferenceError,
  UnsupportedQueryError,
} from "../store/store-errors.js";
import type { CompiledMapping } from "./compiled-mapping.js";

/** Seconds Entra is told to wait before retrying when BIS is unreachable. */
export const RETRY_AFTER_SECONDS = 30;

export function translateStoreError(mapping: CompiledMapping, error: unknown): unknown {
  if (error instanceof DuplicateEmailError) {
    const attribute = error.column ? mapping.attributes.find((a) => a.field.kind === "column" && a.field.column === error.column)?.name : "userName";
    return new ScimError(409, "uniqueness", `${attribute ?? error.column} "${error.email}" is already used by BIS user ${error.existingIds.join(", ")}`);
  }
  if (error instanceof MissingLookupError) {
    const attribute = mapping.attributes.find((a) => a.field.kind === "lookup" && a.field.lookup === error.lookup);
    return ScimError.badRequest("invalidValue", `${attribute?.name ?? error.lookup}: "${error.value}" is not a known ${error.lookup} in BIS, and the mapping does not allow creating it`);
  }
  if (error instanceof MissingReferenceError) {
    const attribute = mapping.attributes.find((a) => a.field.kind === "column" && a.field.column === error.column);
    return ScimError.badRequest("invalidValue", `${attribute?.name ?? error.column}: no BIS user has id "${error.value}"`);
  }
  if (error instanceof DependentRowsError) {
    return new ScimError(409, undefined, `the user cannot be removed: BIS keeps ${error.count} record(s) in ${error.table} for it`);
  }
  if (error instanceof BackendValidationError) {
    const named = error.problems.map((p) => {
      const attribute = mapping.attributes.find((a) => a.field.kind === "column" && a.field.column === p.field);
      return `${attribute?.name ?? p.field}: ${p.message}`;
    });
    return ScimError.badRequest("invalidValue", `BIS refused the values: ${named.join("; ")}`);
  }
  if (error instanceof DeleteRefusedError) {
    return new ScimError(409, undefined, `the user cannot be removed: ${error.reason}`);
  }
  if (error instanceof UnsupportedQueryError) {
    return ScimError.badRequest("invalidFilter", error.message);
  }
  if (error instanceof BackendUnavailableError) {
    return new ScimError(503, undefined, "BIS is not reachable right now; retry later", { "Retry-After": String(error.retryAfterSeconds ?? RETRY_AFTER_SECONDS) });
  }
  return error;
}
