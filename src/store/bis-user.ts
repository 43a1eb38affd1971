/** A BIS user as a store reads and writes it: column values, not SCIM attributes. */

export type ColumnValue = string | number | boolean | null;

export interface BisUserFields {
  /**
   * Column -> value for the user table. A lookup column (see LookupModel.column) holds the
   * looked-up *name* (e.g. "Operations"), which the store resolves to its key.
   * A self-reference column holds the referenced user's id as a string.
   */
  readonly fields: Readonly<Record<string, ColumnValue>>;
  /** Child name -> type -> value, e.g. { phones: { WORK: "+1 555 0100" } }. A missing type has no row. */
  readonly children: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface BisUser extends BisUserFields {
  readonly id: string;
  readonly created?: Date;
  readonly modified?: Date;
}
