/**
 * Test databases for every engine this machine can run: SQLite always, PostgreSQL and MariaDB
 * when their URLs are set. Each call creates an isolated fresh database, so parallel test files
 * never share rows (or advisory locks).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import knexFactory, { type Knex } from "knex";
import { describe } from "vitest";
import { buildKnexConfig, type SqlEngine, type SqlStoreConfig } from "../../src/store/sql/sql-config.js";

export type TestEngine = Extract<SqlEngine, "sqlite" | "postgres" | "mariadb">;

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const SCHEMA: Record<TestEngine, string> = {
  sqlite: root("demo/bis-schema.sqlite.sql"),
  postgres: root("test/fixtures/bis-schema.postgres.sql"),
  mariadb: root("test/fixtures/bis-schema.mariadb.sql"),
};
const SEED = root("demo/seed.sql");

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

export interface TestDatabase {
  readonly engine: TestEngine;
  /** A store config pointing at this database only. */
  readonly config: SqlStoreConfig;
  /** An admin connection to it, for arranging and inspecting rows. */
  readonly knex: Knex;
  /** Closes `knex` and removes the database. */
  drop(): Promise<void>;
}

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
  const schemaFile = options.schema ? options.schema[engine] : SCHEMA[engine];
  if (!schemaFile) throw new Error(`no ${engine} schema given`);
  const statements = [readFileSync(schemaFile, "utf8"), ...(options.seed ? [readFileSync(SEED, "utf8")] : [])];
  switch (engine) {
    case "sqlite":
      return sqliteDatabase(statements);
    case "postgres":
      return postgresDatabase(statements);
    case "mariadb":
      return mariadbDatabase(statements);
  }
}

async function sqliteDatabase(scripts: string[]): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "bis-test-"));
  const file = join(dir, "bis.sqlite");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  for (const script of scripts) db.exec(script);
  db.close();
  return opened("sqlite", { engine: "sqlite", file, lockTimeoutMs: 10_000 }, async () => {
    rmSync(dir, { recursive: true, force: true });
  });
}

async function postgresDatabase(scripts: string[]): Promise<TestDatabase> {
  const serverUrl = process.env.BIS_TEST_POSTGRES_URL!;
  const name = uniqueName();
  const admin = knexFactory({ client: "pg", connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw("CREATE DATABASE ??", [name]);
  const url = withDatabase(serverUrl, name);
  const setup = knexFactory({ client: "pg", connection: url, pool: { min: 0, max: 1 } });
  try {
    for (const script of scripts) await setup.raw(script); // pg runs a multi-statement text as is
  } finally {
    await setup.destroy();
  }
  return opened("postgres", { engine: "postgres", url, lockTimeoutMs: 10_000 }, async () => {
    await admin.raw("DROP DATABASE IF EXISTS ?? WITH (FORCE)", [name]);
    await admin.destroy();
  });
}

async function mariadbDatabase(scripts: string[]): Promise<TestDatabase> {
  const serverUrl = process.env.BIS_TEST_MARIADB_URL!;
  const name = uniqueName();
  const admin = knexFactory({ client: "mysql2", connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw("CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", [name]);
  const url = withDatabase(serverUrl, name);
  const setup = knexFactory({
    client: "mysql2",
    connection: { uri: url, multipleStatements: true } as Knex.MySql2ConnectionConfig,
    pool: { min: 0, max: 1 },
  });
  try {
    // The seed double-quotes identifiers (for PostgreSQL); ANSI_QUOTES lets MariaDB read them.
    await setup.raw("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')");
    for (const script of scripts) await setup.raw(script);
  } finally {
    await setup.destroy();
  }
  return opened("mariadb", { engine: "mariadb", url, lockTimeoutMs: 10_000 }, async () => {
    await admin.raw("DROP DATABASE IF EXISTS ??", [name]);
    await admin.destroy();
  });
}

function opened(engine: TestEngine, config: SqlStoreConfig, remove: () => Promise<void>): TestDatabase {
  const knex = knexFactory(buildKnexConfig(config));
  return {
    engine,
    config,
    knex,
    async drop() {
      await knex.destroy();
      await remove();
    },
  };
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
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
