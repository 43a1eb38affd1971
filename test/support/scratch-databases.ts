/**
 * Throw-away BIS databases, one per call: a SQLite file in a temp directory, or a database of
 * its own on a PostgreSQL or MariaDB server, created from the reference schema ports and dropped
 * again. The tests (databases.ts) and `npm run bench` (bench/databases.ts) both make theirs here.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import knexFactory, { type Knex } from "knex";
import { buildKnexConfig, type SqlEngine, type SqlStoreConfig } from "../../src/store/sql/sql-config.js";

export type ScratchEngine = Extract<SqlEngine, "sqlite" | "postgres" | "mariadb">;

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The reference BIS schema, ported to each engine. */
export const SCHEMA_FILES: Record<ScratchEngine, string> = {
  sqlite: root("demo/bis-schema.sqlite.sql"),
  postgres: root("test/fixtures/bis-schema.postgres.sql"),
  mariadb: root("test/fixtures/bis-schema.mariadb.sql"),
};

export interface ScratchDatabase<E extends ScratchEngine = ScratchEngine> {
  readonly engine: E;
  /** A store config pointing at this database only. */
  readonly config: SqlStoreConfig;
  /** A connection of its own, built like the bridge's (same driver and settings). */
  readonly knex: Knex;
  /** Closes `knex` and removes the database. */
  drop(): Promise<void>;
}

export interface ScratchOptions {
  /** Server engines: a URL of a server the user may create databases on. */
  readonly serverUrl?: string;
  /** Server engines: the database's name; one left by an interrupted run is replaced. */
  readonly name: string;
  /** SQL texts run in order on the new database (each may hold several statements). */
  readonly scripts: readonly string[];
}

/** A new database holding what `scripts` create. */
export async function createScratchDatabase<E extends ScratchEngine>(engine: E, options: ScratchOptions): Promise<ScratchDatabase<E>> {
  if (engine === "sqlite") return sqliteDatabase(options.scripts) as ScratchDatabase<E>;
  if (!options.serverUrl) throw new Error(`a ${engine} database needs a server URL`);
  return serverDatabase(engine as "postgres" | "mariadb", options.serverUrl, options.name, options.scripts) as Promise<ScratchDatabase<E>>;
}

/** The SQL text of a file, e.g. one of SCHEMA_FILES. */
export const sqlText = (file: string) => readFileSync(file, "utf8");

function sqliteDatabase(scripts: readonly string[]): ScratchDatabase<"sqlite"> {
  const dir = mkdtempSync(join(tmpdir(), "bis-scratch-"));
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

const CLIENT = { postgres: "pg", mariadb: "mysql2" } as const;

async function serverDatabase(engine: "postgres" | "mariadb", serverUrl: string, name: string, scripts: readonly string[]): Promise<ScratchDatabase> {
  const client = CLIENT[engine];
  const admin = knexFactory({ client, connection: serverUrl, pool: { min: 0, max: 1 } });
  const dropSql = engine === "postgres" ? "DROP DATABASE IF EXISTS ?? WITH (FORCE)" : "DROP DATABASE IF EXISTS ??";
  await admin.raw(dropSql, [name]);
  await admin.raw(engine === "mariadb" ? "CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci" : "CREATE DATABASE ??", [name]);
  const url = withDatabase(serverUrl, name);
  const setup = knexFactory({
    client,
    // The MariaDB schema is several statements in one text; pg runs a multi-statement text as is.
    connection: engine === "mariadb" ? ({ uri: url, multipleStatements: true } as Knex.MySql2ConnectionConfig) : url,
    pool: { min: 0, max: 1 },
  });
  try {
    // The demo seed double-quotes identifiers (for PostgreSQL); ANSI_QUOTES lets MariaDB read them.
    if (engine === "mariadb") await setup.raw("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')");
    for (const script of scripts) await setup.raw(script);
  } finally {
    await setup.destroy();
  }
  return opened(engine, { engine, url, lockTimeoutMs: 10_000 } as SqlStoreConfig, async () => {
    await admin.raw(dropSql, [name]);
    await admin.destroy();
  });
}

function opened<E extends ScratchEngine>(engine: E, config: SqlStoreConfig, remove: () => Promise<void>): ScratchDatabase<E> {
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
