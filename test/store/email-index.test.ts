/**
 * The e-mail match the store emits (the mailbox's spellings, legacy white space and NFD included)
 * is served by an index on every engine we run.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { liveUsersWithEmail } from "../../src/store/sql/email-match.js";
import { dialectFor } from "../../src/store/sql/engines/dialects.js";
import { referenceModel } from "../fixtures/reference-model.js";
import { createTestDatabase, describeEachEngine, type TestDatabase, type TestEngine } from "../support/databases.js";
import { queryPlan } from "../support/query-plans.js";

const EXPECTED_INDEX: Record<TestEngine, string> = {
  sqlite: "IX_Users_Email",
  postgres: "IX_Users_Email_lower",
  mariadb: "IX_Users_Email",
  // Babelfish names a T-SQL index in PostgreSQL as its lower-cased name, table name and a hash.
  mssql: "ix_users_emailusers",
};

describeEachEngine("e-mail match index", (engine) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(engine, { seed: true });
    // A table of realistic size: on the 7 seeded rows a planner rightly prefers reading them all.
    for (let batch = 0; batch < 20; batch++) {
      const rows = Array.from({ length: 100 }, (_, i) => ({ Email: `filler.${batch * 100 + i}@example.com`, EmployeeNo: `F${batch * 100 + i}`, FirstName: "Filler", LastName: "User", Province: "AB", CountryCode: "CA" }));
      await database.knex("Users").insert(rows);
    }
    if (engine === "postgres") await database.knex.raw('ANALYZE "Users"');
    if (engine === "mariadb") await database.knex.raw("ANALYZE TABLE Users");
  });
  afterAll(async () => {
    await database?.drop();
  });

  it(`uses ${EXPECTED_INDEX[engine]}`, async () => {
    const query = liveUsersWithEmail(database.knex, referenceModel, dialectFor(engine), "J.Smith@example.com")
      .select("u.UserID")
      .toSQL();
    const plan = await queryPlan(engine, database.knex, query.sql, query.bindings);
    expect(plan).toContain(EXPECTED_INDEX[engine]);
    if (engine === "mariadb") expect(plan).toMatch(/"key":"IX_Users_Email"/);
  });
});
