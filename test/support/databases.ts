/**
 * Test databases for every engine this machine can run: SQLite always; PostgreSQL, MariaDB and
 * SQL Server (a TDS/T-SQL server such as Babelfish) when their URLs are set. Each call creates an
 * isolated fresh database, so parallel test files never share rows (or advisory locks).
 */
import { fileURLToPath } from "node:url";
import type { Knex } from "knex";
import { describe } from "vitest";
import { createScratchDatabase, SCHEMA_FILES, sqlText, type ScratchDatabase, type ScratchEngine } from "./scratch-databases.js";

export type TestEngine = ScratchEngine;

const SEED = fileURLToPath(new URL("../../demo/seed.sql", import.meta.url));

const SERVER_URL_VARIABLE = { postgres: "BIS_TEST_POSTGRES_URL", mariadb: "BIS_TEST_MARIADB_URL", mssql: "BIS_TEST_MSSQL_URL" } as const;
const ENGINE_NAME = { postgres: "PostgreSQL", mariadb: "MariaDB", mssql: "SQL Server" } as const;
type ServerEngine = keyof typeof SERVER_URL_VARIABLE;
const SERVER_ENGINES = Object.keys(SERVER_URL_VARIABLE) as ServerEngine[];
const warned = new Set<string>();

/**
 * The server engines that must run: BIS_TEST_REQUIRE_SERVERS lists them (`postgres,mariadb`),
 * or says `1` for all. CI sets it: a server suite that silently skips would hide a missing database.
 */
function requiredServers(): ServerEngine[] {
  const value = process.env.BIS_TEST_REQUIRE_SERVERS?.trim();
  if (!value) return [];
  if (value === "1") return SERVER_ENGINES;
  const names = value.split(",").map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(SERVER_ENGINES as string[]).includes(name));
  if (unknown.length) throw new Error(`BIS_TEST_REQUIRE_SERVERS names unknown engines: ${unknown.join(", ")} (known: ${SERVER_ENGINES.join(", ")})`);
  return names as ServerEngine[];
}

/** The engines to run: sqlite, plus each server engine whose URL is set (a warning names the rest). */
export function testEngines(): TestEngine[] {
  const engines: TestEngine[] = ["sqlite"];
  for (const engine of SERVER_ENGINES) {
    if (process.env[SERVER_URL_VARIABLE[engine]]) {
      engines.push(engine);
    } else if (requiredServers().includes(engine)) {
      throw new Error(`${SERVER_URL_VARIABLE[engine]} is not set, but BIS_TEST_REQUIRE_SERVERS asks for ${ENGINE_NAME[engine]}`);
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
  return createScratchDatabase(engine, { serverUrl: engine === "sqlite" ? undefined : serverUrl(engine), name: uniqueName(), scripts });
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

export const ALL_TEST_ENGINES: readonly TestEngine[] = ["sqlite", ...SERVER_ENGINES];

/** The URL of a server engine's test server, when set. */
export function serverUrl(engine: ServerEngine): string | undefined {
  return process.env[SERVER_URL_VARIABLE[engine]] || undefined;
}

/**
 * One describe block per engine; engines without a URL are reported as skipped (not silently
 * missing) after the warning from testEngines().
 */
export function describeEachEngine(title: string, body: (engine: TestEngine) => void): void {
  for (const engine of ALL_TEST_ENGINES) {
    describe.skipIf(!engineAvailable(engine))(`${title} [${engine}]`, () => body(engine));
  }
}
