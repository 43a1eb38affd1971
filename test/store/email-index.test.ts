/** The e-mail match the store emits is served by an index on every engine we run. */
import type { Knex } from "knex";
import { afterAll, beforeAll, expect, it } from "vitest";
import { liveUsersWithEmail } from "../../src/store/sql/email-match.js";
import { dialectFor } from "../../src/store/sql/engines/dialects.js";
import { referenceModel } from "../fixtures/reference-model.js";
import { createTestDatabase, describeEachEngine, type TestDatabase, type TestEngine } from "../support/databases.js";

/** The query plan for the store's e-mail match, as one text. */
const PLAN: Record<TestEngine, (knex: Knex, sql: string, bindings: readonly Knex.Value[]) => Promise<string>> = {
  sqlite: async (knex, sql, bindings) => JSON.stringify(await knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings)),
  // A tiny table is cheaper to scan; forbid that so the plan shows whether the index can serve.
  postgres: (knex, sql, bindings) =>
    knex.transaction(async (trx) => {
      await trx.raw("SET LOCAL enable_seqscan = off");
      return JSON.stringify((await trx.raw(`EXPLAIN ${sql}`, bindings)).rows);
    }),
  mariadb: async (knex, sql, bindings) => JSON.stringify((await knex.raw(`EXPLAIN ${sql}`, bindings))[0]),
};

const EXPECTED_INDEX: Record<TestEngine, string> = {
  sqlite: "IX_Users_Email",
  postgres: "IX_Users_Email_lower",
  mariadb: "IX_Users_Email",
};

describeEachEngine("e-mail match index", (engine) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(engine, { seed: true });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it(`uses ${EXPECTED_INDEX[engine]}`, async () => {
    const query = liveUsersWithEmail(database.knex, referenceModel, dialectFor(engine), "J.Smith@example.com")
      .select("u.UserID")
      .toSQL();
    const plan = await PLAN[engine](database.knex, query.sql, query.bindings);
    expect(plan).toContain(EXPECTED_INDEX[engine]);
    if (engine === "mariadb") expect(plan).toMatch(/"key":"IX_Users_Email"/);
  });
});
