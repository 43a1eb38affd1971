/**
 * Test databases for every engine this machine can run: SQLite always, PostgreSQL and MariaDB
 * when their URLs are set. Each call creates an isolated fresh database, so parallel test files
 * never share rows (or advisory locks).
 */
import { fileURLToPath } from "node:url";
import type { Knex } from "knex";
import { describe } from "vitest";
import { createScratchDatabase, SCHEMA_FILES, sqlText, type ScratchDatabase, type ScratchEngine } from "./scratch-databases.js";

export type TestEngine = ScratchEngine;

const SEED = fileURLToPath(new URL("../../demo/seed.sql", import.meta.url));

const SERVER_URL_VARIABLE = { postgres: "BIS_TEST_POSTGRES_URL", mariadb: "BIS_TEST_MARIADB_URL" } as const;
const ENGINE_NAME = { postgres: "PostgreSQL", mariadb: "MariaDB" } as const;
const warned = new Set<string>();

/** The engines to run: sqlite, plus each server engine whose URL is set (a warning names the rest). */
export function testEngines(): TestEngine[] {
  const engines: TestEngine[] = ["sqlite"];
  for (const engine of ["postgres", "mariadb"] as const) {
    if (process.env[SERVER_URL_VARIABLE[engine]]) {
      engines.push(engine);
    } else if (process.env.BIS_TEST_REQUIRE_SERVERS) {
      // CI sets this: a server suite that silently skips would hide a missing database.
      throw new Error(`${SERVER_URL_VARIABLE[engine]} is not set, but BIS_TEST_REQUIRE_SERVERS asks for every engine`);
    } else if (!warned.has(engine)) {
      warned.add(engine);
      console.warn(`skipping ${ENGINE_NAME[engine]} tests: ${SERVER_URL_VARIABLE[engine]} not set`);
    }
  }
  return engines;
}

/** Whether an engine runs here, for `describe.skipIf(!engineAvailable("postgres"))`. */
export function engineAvailable(engine: TestEngine): boolean {
  return testEngines().includes(engine);
}

/** Its `knex` is an admin connection, for arranging and inspecting rows. */
export type TestDatabase = ScratchDatabase<TestEngine>;

let counter = 0;
const uniqueName = () => `bis_test_${process.pid}_${Date.now().toString(36)}_${(counter += 1)}`;

/**
 * A fresh database with the reference BIS schema (and the demo rows with `seed`), or with
 * another schema: `schema` maps each engine to its DDL file.
 */
export async function createTestDatabase(
  engine: TestEngine,
  options: { seed?: boolean; schema?: Partial<Record<TestEngine, string>> } = {},
): Promise<TestDatabase> {
  const schemaFile = options.schema ? options.schema[engine] : SCHEMA_FILES[engine];
  if (!schemaFile) throw new Error(`no ${engine} schema given`);
  const scripts = [sqlText(schemaFile), ...(options.seed ? [sqlText(SEED)] : [])];
  const serverUrl = engine === "sqlite" ? undefined : process.env[SERVER_URL_VARIABLE[engine]];
  return createScratchDatabase(engine, { serverUrl, name: uniqueName(), scripts });
}

/** Every row of every table, in key order: equal dumps mean the write left nothing behind. */
export async function dumpTables(knex: Knex, tables: readonly string[] = BIS_TABLES): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows: Record<string, unknown>[] = await knex(table).select("*");
    dump[table] = rows
      .map((row) => JSON.stringify(row, (_key, value) => (value instanceof Date ? value.toISOString() : value)))
      .sort();
  }
  return dump;
}

export const BIS_TABLES = ["Locations", "Departments", "Users", "UserPhones", "TrainingRecords"] as const;

export const ALL_TEST_ENGINES: readonly TestEngine[] = ["sqlite", "postgres", "mariadb"];

/**
 * One describe block per engine; engines without a URL are reported as skipped (not silently
 * missing) after the warning from testEngines().
 */
export function describeEachEngine(title: string, body: (engine: TestEngine) => void): void {
  for (const engine of ALL_TEST_ENGINES) {
    describe.skipIf(!engineAvailable(engine))(`${title} [${engine}]`, () => body(engine));
  }
}
