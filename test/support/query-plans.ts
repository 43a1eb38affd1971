/**
 * The plan each engine would use for a statement, as text, so tests can tell whether an index
 * serves it. Tiny test tables are cheaper to scan, so where the engine allows, sequential scans
 * are priced out for the one statement: the plan then shows whether an index *can* serve it.
 */
import type { Knex } from "knex";
import type { TestEngine } from "./databases.js";

type Planner = (knex: Knex, sql: string, bindings: readonly unknown[]) => Promise<string>;

const PLANNERS: Record<TestEngine, Planner> = {
  sqlite: async (knex, sql, bindings) => JSON.stringify(await knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as Knex.RawBinding[])),
  postgres: (knex, sql, bindings) =>
    knex.transaction(async (trx) => {
      await trx.raw("SET LOCAL enable_seqscan = off");
      return JSON.stringify((await trx.raw(`EXPLAIN ${sql}`, bindings as Knex.RawBinding[])).rows);
    }),
  mariadb: async (knex, sql, bindings) => JSON.stringify((await knex.raw(`EXPLAIN ${sql}`, bindings as Knex.RawBinding[]))[0]),
  // The SQL Server test engine is Babelfish: BABELFISH_SHOWPLAN_ALL answers a statement with its
  // (PostgreSQL) plan instead of running it, and PostgreSQL's set_config is callable from T-SQL.
  // On SQL Server itself the same question is answered by SET SHOWPLAN_XML ON.
  mssql: (knex, sql, bindings) =>
    knex.transaction(async (trx) => {
      await trx.raw("SELECT set_config('enable_seqscan', 'off', true) AS setting");
      await trx.raw("SET BABELFISH_SHOWPLAN_ALL ON");
      try {
        return JSON.stringify(await trx.raw(sql, bindings as Knex.RawBinding[]));
      } finally {
        await trx.raw("SET BABELFISH_SHOWPLAN_ALL OFF");
      }
    }),
};

/**
 * The plan of a statement with `?` placeholders, or with the engine's native ones (`$1`, `@p0`)
 * as knex's query event reports them.
 */
export function queryPlan(engine: TestEngine, knex: Knex, sql: string, bindings: readonly unknown[]): Promise<string> {
  return PLANNERS[engine](knex, sql.replace(/\$\d+\b|@p\d+\b/g, "?"), bindings);
}

/** Whether a plan reads the whole user table (aliased u by the store), in each engine's vocabulary. */
export function scansUsers(engine: TestEngine, plan: string): boolean {
  if (engine === "sqlite") return /"detail":"SCAN u\b/.test(plan);
  if (engine === "postgres") return /Seq Scan on (\\")?Users(\\")? u/.test(plan);
  if (engine === "mssql") return /Seq Scan on users u\b/i.test(plan);
  // MariaDB may still read a 7-row table whole; what matters is that an index could serve it.
  const rows = JSON.parse(plan) as { table: string; possible_keys: string | null }[];
  return rows.some((row) => row.table === "u" && !row.possible_keys);
}
