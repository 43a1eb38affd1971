/** MariaDB / MySQL (mysql2). The schema port stores BIT flags as TINYINT(1). */
import type { Knex } from "knex";
import { acquireTimeout, serverPool, type MariadbConfig } from "../sql-config.js";
import { commonFailure, errorProperty } from "./driver-failures.js";
import { LOCK_NAMESPACE, lockOrder, type EngineDialect, type Failure } from "./engine-dialect.js";
import { firstValue, onOwnConnection } from "./exclusive-lock.js";
import { lockTimedOut, onWriteConnection } from "./lock-wait.js";

/** The callback API of a mysql2 connection, as far as we use it. */
interface MysqlConnection {
  query(sql: string, values: unknown[], callback: (error: Error | null, rows?: unknown) => void): void;
}

export function mariadbKnexConfig(config: MariadbConfig): Knex.Config {
  const target = config.url
    ? { uri: config.url }
    : { host: config.host, port: config.port, database: config.database, user: config.user, password: config.password };
  const statementSeconds = config.requestTimeoutMs ? config.requestTimeoutMs / 1000 : undefined;
  return {
    client: "mysql2",
    connection: {
      ...target,
      // DATE as "YYYY-MM-DD"; DATETIME read and written as UTC (BIS stores UTC).
      dateStrings: ["DATE"],
      timezone: "Z",
      charset: "utf8mb4",
    } as unknown as Knex.MySql2ConnectionConfig, // knex types `dateStrings` as boolean only
    pool: {
      ...serverPool(config),
      afterCreate(connection: MysqlConnection, done: (error: Error | null, connection: unknown) => void) {
        if (statementSeconds === undefined) return done(null, connection);
        // https://mariadb.com/kb/en/aborting-statements/
        // A connection closed while it was opened (server or network gone) fails this with an error
        // that has no code; it is a lost connection, so the request answers 503, not 500.
        const lost = (error: Error) => Object.assign(new Error(`connection lost while it was set up: ${error.message}`), { code: "ECONNRESET" });
        try {
          connection.query("SET SESSION max_statement_time = ?", [statementSeconds], (error) =>
            done(error && !errorProperty(error, "code") ? lost(error) : error, connection),
          );
        } catch (error) {
          done(lost(error as Error), connection);
        }
      },
    },
    acquireConnectionTimeout: acquireTimeout(config),
  };
}

/**
 * Lock names are server-wide and at most 64 characters: scope them to the current database and
 * hash the key (an e-mail can be 256 characters). https://mariadb.com/kb/en/get_lock/
 */
const LOCK_NAME = "CONCAT('bis:', SHA1(CONCAT_WS(':', DATABASE(), ?)))";
/** Scheduled jobs' locks (tryExclusiveLock), in a namespace of their own. */
const JOB_LOCK_NAME = "CONCAT('bis-job:', SHA1(CONCAT_WS(':', DATABASE(), ?)))";


function run(connection: MysqlConnection, sql: string, values: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) =>
    connection.query(sql, values, (error, rows) => (error ? reject(error) : resolve(rows))),
  );
}

// https://mariadb.com/kb/en/mariadb-error-code-reference/
function classifyFailure(error: unknown): Failure | undefined {
  const errno = errorProperty(error, "errno");
  if (errno === 1213 || errno === 3058) return { kind: "retry", reason: "deadlock" };
  if (errno === 1205) return { kind: "unavailable", reason: "timed out waiting for a lock" };
  if (errno === 1969 || errno === 3024) return { kind: "unavailable", reason: "statement timed out" };
  if (typeof errno === "number" && [1040, 1044, 1045, 1049, 1053, 1927, 2002, 2003, 2006, 2013].includes(errno)) {
    return { kind: "unavailable", reason: `database refused or lost the connection (${errno})` };
  }
  const code = errorProperty(error, "code");
  if (code === "PROTOCOL_CONNECTION_LOST" || code === "PROTOCOL_SEQUENCE_TIMEOUT") {
    return { kind: "unavailable", reason: "connection lost" };
  }
  return commonFailure(error);
}

/** Connections whose session already reads committed (see writeTransaction). */
const readCommitted = new WeakSet<object>();

export const mariadbDialect: EngineDialect = {
  engine: "mariadb",

  /**
   * GET_LOCK belongs to the session, not the transaction, so we hold one connection for the
   * whole write: take locks on it inside the transaction, and release them only after commit or
   * rollback, so no other writer reads before our rows are visible.
   */
  writeTransaction: (db, options, work) =>
    onWriteConnection(db, options, async (connection: MysqlConnection) => {
      const taken = new Set<string>();
      try {
        // Each statement reads the latest committed rows: a duplicate check after GET_LOCK must
        // not read from a snapshot taken before the lock (InnoDB's default REPEATABLE READ). Set
        // once per connection, on its first write, rather than before every transaction.
        if (!readCommitted.has(connection)) {
          await db.raw("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED").connection(connection);
          readCommitted.add(connection);
        }
        return await db.transaction(
          (trx) =>
            work({
              trx,
              async lock(keys) {
                for (const key of lockOrder(keys, taken)) {
                  const seconds = Math.max(1, Math.ceil(options.lockTimeoutMs / 1000));
                  const rows = await trx.raw(`SELECT GET_LOCK(${LOCK_NAME}, ?) AS acquired`, [LOCK_NAMESPACE + key, seconds]);
                  const acquired = (rows as [Array<{ acquired: number | null }>])[0][0]?.acquired;
                  if (acquired !== 1) throw lockTimedOut();
                  taken.add(key);
                }
              },
            }),
          { connection },
        );
      } finally {
        if (taken.size > 0) {
          // One statement for all of them. A dead connection has lost its locks already; the pool discards it.
          const keys = [...taken];
          await run(connection, `DO ${keys.map(() => `RELEASE_LOCK(${LOCK_NAME})`).join(", ")}`, keys.map((key) => LOCK_NAMESPACE + key)).catch(() => undefined);
        }
      }
    }),

  // utf8mb4_general_ci (BIS's default collation) already compares without case.
  caseFolding: { column: "??", value: "?" },
  caseExact: { column: "CAST(?? AS BINARY)", value: "CAST(? AS BINARY)", like: true },
  likeLiterals: "escape",
  insertedKey: "insertId",
  updateReturnsRow: false,
  bindBoolean: (value) => (value ? 1 : 0),
  bindTimestamp: (value) => value,
  classifyFailure,
  abortConnection(connection) {
    // Fail the socket rather than calling mysql2's destroy(), whose pending callbacks never run (the
    // transaction, and its pool slot, would wait forever). The error reaches every pending query,
    // knex marks the connection disposed and its pool drops it.
    const client = connection as { stream?: { destroy(error?: Error): void }; destroy?(): void };
    if (client.stream) client.stream.destroy(new Error("aborted at the request deadline"));
    else client.destroy?.();
  },
  tryExclusiveLock: (db, name) =>
    onOwnConnection(
      db,
      async (run) => Number(firstValue(await run(`SELECT GET_LOCK(${JOB_LOCK_NAME}, 0) AS ok`, [LOCK_NAMESPACE + name]))) === 1,
      (run) => run(`SELECT RELEASE_LOCK(${JOB_LOCK_NAME})`, [LOCK_NAMESPACE + name]),
    ),
};
