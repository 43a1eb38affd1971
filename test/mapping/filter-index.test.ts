/**
 * Every filter the reference mapping accepts is answered with SQL that an index serves: the
 * query plan of what the store runs, on every engine here, shows no full scan of the user table.
 */
import { expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { mapFilter } from "../../src/mapping/filter-mapper.js";
import { parseFilter } from "../../src/scim/filter-parser.js";
import { createSqlUserStore } from "../../src/store/sql/sql-user-store.js";
import { storeOn } from "../store/store-fixtures.js";
import { describeEachEngine } from "../support/databases.js";
import { queryPlan, scansUsers } from "../support/query-plans.js";
import { REFERENCE_MAPPING } from "../support/paths.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const FILTERS = [
  'userName eq "J.Smith@example.com"',
  'userName sw "j.sm"',
  'userName gt "j" and userName lt "k"',
  'externalId eq "0a21f0f2"',
  `${ENTERPRISE}:employeeNumber eq "e1004"`,
  'emails[type eq "work"].value eq "grace.hopper@example.com"',
  'id eq "4"',
  'id eq "4" and manager eq "1"',
  'userName eq "a@example.com" or externalId eq "b"',
  'userName eq "ada.lovelace@example.com" and active eq true',
];

describeEachEngine("index use of mapped filters", (engine) => {
  const t = storeOn(engine);
  const mapping = loadMapping(REFERENCE_MAPPING);

  it.each(FILTERS)("%s", async (filter) => {
    const store = createSqlUserStore(t.database.config, mapping.model);
    const statements: { sql: string; bindings: unknown[] }[] = [];
    store.db.on("query", (q: { sql: string; bindings?: unknown[] }) => statements.push({ sql: q.sql, bindings: q.bindings ?? [] }));
    try {
      await store.find({ where: mapFilter(mapping, parseFilter(filter)), offset: 0, limit: 10 });
    } finally {
      await store.close();
    }
    const userQueries = statements.filter((s) => /^select/i.test(s.sql) && /\bu\b/.test(s.sql) && !/pg_|GET_LOCK/i.test(s.sql));
    expect(userQueries.length).toBeGreaterThan(0);
    for (const statement of userQueries) {
      const plan = await queryPlan(engine, t.database.knex, statement.sql, statement.bindings);
      expect(scansUsers(engine, plan), `${statement.sql}\n${plan}`).toBe(false);
    }
  });
});
