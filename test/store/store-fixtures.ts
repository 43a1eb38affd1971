/** Shared arrangements for the SQL store tests. */
import type { BisUserFields, ColumnValue } from "../../src/store/bis-user.js";
import { SqlUserStore } from "../../src/store/sql/sql-user-store.js";
import { referenceModel } from "../fixtures/reference-model.js";
import type { TestDatabase } from "../support/databases.js";

/** A complete new user for the reference model; override any field or the phones. */
export function newUser(
  email: string,
  fields: Record<string, ColumnValue> = {},
  phones: Record<string, string> = { WORK: "+1 555 0100" },
): BisUserFields {
  return {
    fields: {
      Email: email,
      EmployeeNo: "E2001",
      FirstName: "Test",
      LastName: "User",
      Province: "ON",
      CountryCode: "CA",
      IsActive: true,
      DepartmentID: "Operations",
      LocationID: "Toronto",
      StartDate: "2024-02-29",
      ...fields,
    },
    children: { phones },
  };
}

export function storeFor(database: TestDatabase): SqlUserStore {
  return new SqlUserStore(database.config, referenceModel);
}

/** Seed users by their place in demo/seed.sql. */
export const SEEDED = { ada: "1", john: "2", jane: "3", grace: "4", alan: "5", oliver: "6" } as const;

export const truthy = (value: unknown) => value === true || value === 1 || value === "1";
