/** Shared arrangements for the SQL store tests. */
import type { BisUserFields, ColumnValue } from "../../src/store/bis-user.js";
import { SqlUserStore } from "../../src/store/sql/sql-user-store.js";
import { referenceModel } from "../fixtures/reference-model.js";
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type TestDatabase, type TestEngine } from "../support/databases.js";

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

/**
 * A seeded test database on `engine` and a store on it for the enclosing describe block:
 * `const t = storeOn(engine)`, then `t.store` and `t.database` inside tests.
 */
export function storeOn(engine: TestEngine): { database: TestDatabase; store: SqlUserStore } {
  const context = {} as { database: TestDatabase; store: SqlUserStore };
  beforeAll(async () => {
    context.database = await createTestDatabase(engine, { seed: true });
    context.store = storeFor(context.database);
  });
  afterAll(async () => {
    await context.store?.close();
    await context.database?.drop();
  });
  return context;
}
