/**
 * Throw-away BIS databases, one per call: a SQLite file in a temp directory, or a database of
 * its own on a PostgreSQL, MariaDB or SQL Server (TDS) server, created from the reference schema
 * (as shipped in T-SQL, or its ports) and dropped again. The tests (databases.ts) and `npm run
 * bench` (bench/databases.ts) both make theirs here.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import knexFactory, { type Knex } from "knex";
import { buildKnexConfig, type SqlEngine, type SqlStoreConfig } from "../../src/store/sql/sql-config.js";

export type ScratchEngine = SqlEngine;
type ServerEngine = Exclude<ScratchEngine, "sqlite">;

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The reference BIS schema: BIS's own T-SQL for SQL Server, ported to the other engines. */
export const SCHEMA_FILES: Record<ScratchEngine, string> = {
  sqlite: root("demo/bis-schema.sqlite.sql"),
  postgres: root("test/fixtures/bis-schema.postgres.sql"),
  mariadb: root("test/fixtures/bis-schema.mariadb.sql"),
  mssql: root("demo/bis-schema.mssql.sql"),
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
  /**
   * SQL texts run in order on the new database (each may hold several statements). On SQL Server
   * a line `GO` ends a batch, as in sqlcmd: CREATE PROCEDURE must start a batch of its own.
   */
  readonly scripts: readonly string[];
}

/** A new database holding what `scripts` create. */
export async function createScratchDatabase<E extends ScratchEngine>(engine: E, options: ScratchOptions): Promise<ScratchDatabase<E>> {
  if (engine === "sqlite") return sqliteDatabase(options.scripts) as ScratchDatabase<E>;
  if (!options.serverUrl) throw new Error(`a ${engine} database needs a server URL`);
  return serverDatabase(engine as ServerEngine, options.serverUrl, options.name, options.scripts) as Promise<ScratchDatabase<E>>;
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

/** How each server engine makes, fills and drops a database; `admin` is connected to the server's URL. */
interface ServerKind {
  adminConfig(serverUrl: string): Knex.Config;
  create(admin: Knex, name: string): Promise<void>;
  drop(admin: Knex, name: string): Promise<void>;
  /** Runs the scripts on the new database, reached by `url`. */
  run(url: string, scripts: readonly string[]): Promise<void>;
  /** The store config of the new database. */
  storeConfig(url: string): SqlStoreConfig;
}

const oneConnection = { min: 0, max: 1 };

const SERVERS: Record<ServerEngine, ServerKind> = {
  postgres: {
    adminConfig: (serverUrl) => ({ client: "pg", connection: serverUrl, pool: oneConnection }),
    create: async (admin, name) => void (await admin.raw("CREATE DATABASE ??", [name])),
    drop: async (admin, name) => void (await admin.raw("DROP DATABASE IF EXISTS ?? WITH (FORCE)", [name])),
    // pg runs a multi-statement text as is.
    run: (url, scripts) => runScripts({ client: "pg", connection: url, pool: oneConnection }, scripts),
    storeConfig: (url) => ({ engine: "postgres", url, lockTimeoutMs: 10_000 }),
  },
  mariadb: {
    adminConfig: (serverUrl) => ({ client: "mysql2", connection: serverUrl, pool: oneConnection }),
    create: async (admin, name) => void (await admin.raw("CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", [name])),
    drop: async (admin, name) => void (await admin.raw("DROP DATABASE IF EXISTS ??", [name])),
    // The schema is several statements in one text; the demo seed double-quotes identifiers (for
    // PostgreSQL), which ANSI_QUOTES lets MariaDB read.
    run: (url, scripts) =>
      runScripts({ client: "mysql2", connection: { uri: url, multipleStatements: true } as Knex.MySql2ConnectionConfig, pool: oneConnection }, [
        "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')",
        ...scripts,
      ]),
    storeConfig: (url) => ({ engine: "mariadb", url, lockTimeoutMs: 10_000 }),
  },
  mssql: {
    // Connected as the bridge connects (its tedious client and settings); the server's URL names
    // its master database. tedious sets QUOTED_IDENTIFIER ON, so the seed's "Users" is a name.
    adminConfig: (serverUrl) => ({ ...buildKnexConfig(mssqlStoreConfig(serverUrl)), pool: oneConnection }),
    create: async (admin, name) => void (await admin.raw("CREATE DATABASE ??", [name])),
    drop: async (admin, name) => {
      // A session still on the database (a bridge's pool closing, or a test's connection) blocks
      // DROP DATABASE: end them first, as SSMS's "close existing connections" does.
      const sessions: { session_id: number }[] = await admin.raw("SELECT session_id FROM sys.dm_exec_sessions WHERE database_id = DB_ID(?) AND session_id <> @@SPID", [name]);
      for (const { session_id } of sessions) await admin.raw(`KILL ${Number(session_id)}`).catch(() => undefined);
      await admin.raw("DROP DATABASE IF EXISTS ??", [name]);
    },
    run: (url, scripts) => runScripts({ ...buildKnexConfig(mssqlStoreConfig(url)), pool: oneConnection }, scripts.flatMap(tsqlBatches)),
    storeConfig: mssqlStoreConfig,
  },
};

/**
 * A test server's store config. TLS is left to the test that proves it (test/store/mssql-tls):
 * encrypting every test connection would only slow the suites.
 */
function mssqlStoreConfig(url: string): SqlStoreConfig {
  return { engine: "mssql", url, lockTimeoutMs: 10_000, encrypt: false, trustServerCertificate: false };
}

/** A T-SQL script's batches: the text between lines that say `GO`. */
export function tsqlBatches(script: string): string[] {
  return script
    .split(/^[ \t]*GO[ \t]*$/im)
    .map((batch) => batch.trim())
    .filter((batch) => batch.replace(/--.*$/gm, "").trim() !== "");
}

async function runScripts(config: Knex.Config, scripts: readonly string[]): Promise<void> {
  const setup = knexFactory(config);
  try {
    for (const script of scripts) await setup.raw(script);
  } finally {
    await setup.destroy();
  }
}

async function serverDatabase(engine: ServerEngine, serverUrl: string, name: string, scripts: readonly string[]): Promise<ScratchDatabase> {
  const kind = SERVERS[engine];
  const admin = knexFactory(kind.adminConfig(serverUrl));
  await kind.drop(admin, name);
  await kind.create(admin, name);
  const url = withDatabase(serverUrl, name);
  await kind.run(url, scripts);
  return opened(engine, kind.storeConfig(url), async () => {
    await kind.drop(admin, name);
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
