/**
 * SQLite (better-sqlite3): the embedded demo BIS and the default test database.
 * SQLite has one writer per database file, so that write lock is the per-e-mail lock.
 */
import { createHash } from "node:crypto";
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import type { Knex } from "knex";
import type { SqliteConfig } from "../sql-config.js";
import { commonFailure, errorProperty } from "./driver-failures.js";
import type { EngineDialect, Failure } from "./engine-dialect.js";
import { lockTimedOut, sleep } from "./lock-wait.js";

/**
 * better-sqlite3 waits for a busy database synchronously, blocking the event loop; a long busy
 * timeout would stall every request of this process (and deadlock against our own other
 * connection). So the driver waits only briefly and the longer wait happens asynchronously in
 * `writeTransaction`, up to lockTimeoutMs. https://www.sqlite.org/c3ref/busy_timeout.html
 */
const BUSY_TIMEOUT_MS = 25;

/**
 * knex prepares every statement anew, which was the largest single cost of a SQLite request in
 * `npm run bench`; the store sends the same few SQL texts again and again, so each connection
 * keeps its most recently used prepared statements (better-sqlite3 statements are reusable).
 */
const STATEMENT_CACHE_SIZE = 200;

function cachePreparedStatements(connection: Database): void {
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, Statement>();
  connection.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql); // re-inserted below as the most recently used
    } else {
      statement = prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  }) as Database["prepare"];
}

export function sqliteKnexConfig(config: SqliteConfig): Knex.Config {
  return {
    client: "better-sqlite3",
    connection: { filename: config.file },
    useNullAsDefault: true,
    pool: {
      min: config.pool?.min ?? 1,
      max: config.pool?.max ?? 1,
      afterCreate(connection: Database, done: (error: Error | null, connection: Database) => void) {
        try {
          // WAL: readers never wait for the writer. https://www.sqlite.org/wal.html
          connection.pragma("journal_mode = WAL");
          connection.pragma("foreign_keys = ON");
          connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
          cachePreparedStatements(connection);
          done(null, connection);
        } catch (error) {
          done(error as Error, connection);
        }
      },
    },
  };
}

function isBusy(error: unknown): boolean {
  const code = errorProperty(error, "code");
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

function classifyFailure(error: unknown): Failure | undefined {
  const code = errorProperty(error, "code");
  if (typeof code === "string" && /^SQLITE_(CANTOPEN|IOERR|FULL|READONLY|NOTADB|CORRUPT)/.test(code)) {
    return { kind: "unavailable", reason: `database file unusable (${code})` };
  }
  if (isBusy(error)) return { kind: "unavailable", reason: "database is busy" };
  return commonFailure(error);
}

export const sqliteDialect: EngineDialect = {
  engine: "sqlite",

  async writeTransaction(db, options, work) {
    const deadline = Date.now() + options.lockTimeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await db.transaction(async (trx) => {
          // knex opens a deferred transaction (BEGIN); a no-op write as the first statement takes
          // the database's single write lock now, before anything is read, so duplicate checks
          // see every committed write and no other writer can slip in.
          // https://www.sqlite.org/lang_transaction.html#deferred_immediate_and_exclusive_transactions
          const { table, column } = options.anchor;
          await trx.raw("UPDATE ?? SET ?? = ?? WHERE 0", [table, column, column]);
          return work({ trx, lock: async () => {} });
        });
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (Date.now() >= deadline) throw lockTimedOut();
        await sleep(Math.min(5 * 2 ** Math.min(attempt, 4), 50) * (0.5 + Math.random()));
      }
    }
  },

  // Like SQL Server, the column's collation decides: the BIS port declares its text columns
  // COLLATE NOCASE (as SQL Server's default collation ignores case). An explicit COLLATE on the
  // comparison would stop SQLite from using those indexes inside an OR. LIKE ignores ASCII case.
  caseFolding: { column: "??", value: "?" },
  // Byte comparison for caseExact attributes; a CAST, unlike COLLATE BINARY, keeps OR indexable.
  // SQLite's LIKE ignores ASCII case whatever the operands, so co/sw/ew stay case-insensitive here.
  caseExact: { column: "CAST(?? AS BLOB)", value: "CAST(? AS BLOB)", like: false },
  likeLiterals: "escape",
  insertedKey: "returning",
  updateReturnsRow: true,
  bindBoolean: (value) => (value ? 1 : 0),
  // UTC text in SQLite's own "YYYY-MM-DD HH:MM:SS.SSS" (as the schema defaults write it), so
  // stamps sort and compare as time; knex would bind a Date as epoch millis.
  bindTimestamp: (value) => value.toISOString().replace("T", " ").replace("Z", ""),
  classifyFailure,

  /**
   * The write lock of a small side file next to the BIS file (`<file>.job-lock-<hash>`), one per
   * job, taken with BEGIN IMMEDIATE and no busy wait. Holding BIS's own write lock would stop
   * every write, including the job's, for the whole run.
   */
  async tryExclusiveLock(db, name) {
    const file = (db.client.config.connection as { filename: string }).filename;
    if (file === ":memory:") return { release: async () => {} };
    const digest = createHash("sha1").update(name).digest("hex").slice(0, 12);
    const side = new BetterSqlite3(`${file}.job-lock-${digest}`, { timeout: 0 });
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
  },
};
