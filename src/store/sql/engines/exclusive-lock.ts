/**
 * Try-locks that make one replica, of several on one database, run a scheduled job: each
 * engine's own mechanism, taken without waiting (a replica that does not get it skips the run)
 * and held on a connection of its own until `release()`.
 */
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import type { Knex } from "knex";
import type { SqlEngine } from "../sql-config.js";
import { LOCK_NAMESPACE } from "./engine-dialect.js";

export interface HeldLock {
  release(): Promise<void>;
}

type TryLock = (db: Knex, name: string) => Promise<HeldLock | undefined>;

/** A pooled connection kept aside for the lock's lifetime (session-scoped locks live on it). */
async function onOwnConnection(
  db: Knex,
  acquire: (run: (sql: string, bindings: unknown[]) => Promise<unknown>) => Promise<boolean>,
  release: (run: (sql: string, bindings: unknown[]) => Promise<unknown>) => Promise<unknown>,
): Promise<HeldLock | undefined> {
  const connection = await db.client.acquireConnection();
  const run = (sql: string, bindings: unknown[]) => db.raw(sql, bindings as Knex.RawBinding[]).connection(connection);
  let acquired = false;
  try {
    acquired = await acquire(run);
  } finally {
    if (!acquired) await db.client.releaseConnection(connection);
  }
  if (!acquired) return undefined;
  return {
    async release() {
      try {
        await release(run);
      } finally {
        await db.client.releaseConnection(connection);
      }
    },
  };
}

const firstValue = (result: unknown): unknown => {
  const rows = (result as { rows?: unknown[] }).rows ?? (Array.isArray(result) ? (Array.isArray(result[0]) ? result[0] : result) : []);
  const row = rows[0] as Record<string, unknown> | undefined;
  return row ? Object.values(row)[0] : undefined;
};

// https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS
const postgres: TryLock = (db, name) =>
  onOwnConnection(
    db,
    async (run) => firstValue(await run("SELECT pg_try_advisory_lock(hashtextextended(?, 0)) AS ok", [LOCK_NAMESPACE + name])) === true,
    (run) => run("SELECT pg_advisory_unlock(hashtextextended(?, 0))", [LOCK_NAMESPACE + name]),
  );

// GET_LOCK names are server-wide and at most 64 characters. https://mariadb.com/kb/en/get_lock/
const MARIADB_NAME = "CONCAT('bis-job:', SHA1(CONCAT_WS(':', DATABASE(), ?)))";
const mariadb: TryLock = (db, name) =>
  onOwnConnection(
    db,
    async (run) => Number(firstValue(await run(`SELECT GET_LOCK(${MARIADB_NAME}, 0) AS ok`, [LOCK_NAMESPACE + name]))) === 1,
    (run) => run(`SELECT RELEASE_LOCK(${MARIADB_NAME})`, [LOCK_NAMESPACE + name]),
  );

// Session-owned app lock, no wait: a result >= 0 means granted.
// https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql
const mssql: TryLock = (db, name) =>
  onOwnConnection(
    db,
    async (run) =>
      Number(
        firstValue(
          await run(
            "DECLARE @r int; EXEC @r = sp_getapplock @Resource = ?, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0; SELECT @r AS ok",
            [LOCK_NAMESPACE + name],
          ),
        ),
      ) >= 0,
    (run) => run("EXEC sp_releaseapplock @Resource = ?, @LockOwner = 'Session'", [LOCK_NAMESPACE + name]),
  );

/**
 * SQLite: the write lock of a small side file next to the BIS file (`<file>.job-locks`), one per
 * job, taken with BEGIN IMMEDIATE and no busy wait. Holding BIS's own write lock would stop
 * every write, including the job's, for the whole run.
 */
const sqlite: TryLock = async (db, name) => {
  const file = (db.client.config.connection as { filename: string }).filename;
  if (file === ":memory:") return { release: async () => {} };
  const digest = createHash("sha1").update(name).digest("hex").slice(0, 12);
  const side = new Database(`${file}.job-lock-${digest}`, { timeout: 0 });
  try {
    side.exec("BEGIN IMMEDIATE");
  } catch {
    side.close();
    return undefined;
  }
  return {
    async release() {
      side.exec("COMMIT");
      side.close();
    },
  };
};

export const EXCLUSIVE_LOCKS: Record<SqlEngine, TryLock> = { postgres, mariadb, mssql, sqlite };
