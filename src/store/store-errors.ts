/** Typed store failures; the HTTP stage decides their status, the store never does. */

export class StoreError extends Error {
  override readonly name: string = "StoreError";
}

/** Another (not deleted) user already has this e-mail (or this value of another matching column). */
export class DuplicateEmailError extends StoreError {
  override readonly name = "DuplicateEmailError";
  constructor(
    readonly email: string,
    readonly existingIds: readonly string[],
    /** The matching column that found them, when it is not the e-mail. */
    readonly column?: string,
  ) {
    super(`${column ?? "e-mail"} already used by user ${existingIds.join(", ")}`);
  }
}

/** A lookup value is missing and the mapping says not to create it. */
export class MissingLookupError extends StoreError {
  override readonly name = "MissingLookupError";
  constructor(readonly lookup: string, readonly value: string) {
    super(`${lookup} "${value}" does not exist`);
  }
}

/** A self-reference (e.g. manager) points at no live user. */
export class MissingReferenceError extends StoreError {
  override readonly name = "MissingReferenceError";
  constructor(readonly column: string, readonly value: string) {
    super(`referenced user ${value} does not exist`);
  }
}

/** A hard delete is refused because rows in a dependent table point at the user. */
export class DependentRowsError extends StoreError {
  override readonly name = "DependentRowsError";
  constructor(readonly table: string, readonly count: number) {
    super(`${count} dependent row(s) in ${table}`);
  }
}

/** The query cannot be translated for this backend (never answered by scanning). */
export class UnsupportedQueryError extends StoreError {
  override readonly name = "UnsupportedQueryError";
}

/** The backend cannot be reached or timed out; safe for the client to retry. */
export class BackendUnavailableError extends StoreError {
  override readonly name = "BackendUnavailableError";
  constructor(
    message: string,
    override readonly cause?: unknown,
    /** How long the backend asked callers to wait (its Retry-After), when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The backend refused the values (e.g. BIS's API answered 400): each problem names the field. */
export class BackendValidationError extends StoreError {
  override readonly name = "BackendValidationError";
  constructor(readonly problems: readonly { readonly field: string; readonly message: string }[]) {
    super(`BIS refused the values: ${problems.map((p) => `${p.field} ${p.message}`).join("; ")}`);
  }
}

/** The backend refused to remove the user (e.g. BIS keeps training records for it). */
export class DeleteRefusedError extends StoreError {
  override readonly name = "DeleteRefusedError";
  constructor(readonly reason: string) {
    super(`BIS refused to remove the user: ${reason}`);
  }
}
