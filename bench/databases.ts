/**
 * One throw-away BIS database per engine and size, from the same schema ports as the tests.
 * Server engines need a URL (BIS_BENCH_POSTGRES_URL / BIS_BENCH_MARIADB_URL, falling back to the
 * test suite's variables); without one the engine is skipped with the reason printed.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import knexFactory, { type Knex } from "knex";
import { buildKnexConfig, type SqlStoreConfig } from "../src/store/sql/sql-config.js";
import type { BenchEngine } from "./options.js";

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const SCHEMA: Record<BenchEngine, string> = {
  sqlite: root("demo/bis-schema.sqlite.sql"),
  postgres: root("test/fixtures/bis-schema.postgres.sql"),
  mariadb: root("test/fixtures/bis-schema.mariadb.sql"),
};

const URL_VARIABLES = {
  postgres: ["BIS_BENCH_POSTGRES_URL", "BIS_TEST_POSTGRES_URL"],
  mariadb: ["BIS_BENCH_MARIADB_URL", "BIS_TEST_MARIADB_URL"],
} as const;

export interface BenchDatabase {
  readonly engine: BenchEngine;
  /** The bridge's store config for this database. */
  readonly config: SqlStoreConfig;
  /** A connection of our own, built like the bridge's (same driver and settings). */
  readonly knex: Knex;
  drop(): Promise<void>;
}

/** The server URL for an engine, or why it cannot run here. */
export function serverUrl(engine: BenchEngine): { url?: string; reason?: string } {
  if (engine === "sqlite") return {};
  const names = URL_VARIABLES[engine];
  const name = names.find((n) => process.env[n]);
  return name ? { url: process.env[name] } : { reason: `${names[0]} is not set` };
}

export async function createBenchDatabase(engine: BenchEngine, label: string): Promise<BenchDatabase> {
  const schema = readFileSync(SCHEMA[engine], "utf8");
  switch (engine) {
    case "sqlite":
      return sqliteDatabase(schema);
    case "postgres":
      return serverDatabase("postgres", "pg", label, schema);
    case "mariadb":
      return serverDatabase("mariadb", "mysql2", label, schema);
  }
}

function sqliteDatabase(schema: string): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), "bis-bench-"));
  const file = join(dir, "bis.sqlite");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.exec(schema);
  db.close();
  const config: SqlStoreConfig = { engine: "sqlite", file, lockTimeoutMs: 10_000 };
  return opened("sqlite", config, async () => rmSync(dir, { recursive: true, force: true }));
}

async function serverDatabase(engine: "postgres" | "mariadb", client: string, label: string, schema: string): Promise<BenchDatabase> {
  const server = serverUrl(engine).url!;
  const name = `bis_bench_${label}_${process.pid}`;
  const admin = knexFactory({ client, connection: server, pool: { min: 0, max: 1 } });
  await admin.raw("DROP DATABASE IF EXISTS ??", [name]);
  await admin.raw(engine === "mariadb" ? "CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci" : "CREATE DATABASE ??", [name]);
  const url = withDatabase(server, name);
  const setup = knexFactory({
    client,
    // The MariaDB schema file is several statements in one text.
    connection: engine === "mariadb" ? ({ uri: url, multipleStatements: true } as Knex.MySql2ConnectionConfig) : url,
    pool: { min: 0, max: 1 },
  });
  try {
    await setup.raw(schema);
  } finally {
    await setup.destroy();
  }
  const config = { engine, url, lockTimeoutMs: 10_000 } as SqlStoreConfig;
  return opened(engine, config, async () => {
    await admin.raw(engine === "postgres" ? "DROP DATABASE IF EXISTS ?? WITH (FORCE)" : "DROP DATABASE IF EXISTS ??", [name]);
    await admin.destroy();
  });
}

function opened(engine: BenchEngine, config: SqlStoreConfig, remove: () => Promise<void>): BenchDatabase {
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

function withDatabase(server: string, database: string): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}
