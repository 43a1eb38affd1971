/** PostgreSQL (pg). The schema port keeps BIS's quoted PascalCase names. */
import type { Knex } from "knex";
import pg from "pg";
import { acquireTimeout, serverPool, type PostgresConfig } from "../sql-config.js";
import { commonFailure, errorProperty } from "./driver-failures.js";
import { LOCK_NAMESPACE, type EngineDialect, type Failure } from "./engine-dialect.js";
import { firstValue, onOwnConnection } from "./exclusive-lock.js";
import { transactionWithLocks, type TakeLock } from "./lock-wait.js";

const DATE_OID = 1082;
const TIMESTAMP_OID = 1114;

/** Per-connection parsers (not pg's global ones, which would change other pg users in-process). */
const typeParsers: Record<number, (text: string) => unknown> = {
  // DATE stays "YYYY-MM-DD": a Date would shift with the process time zone.
  [DATE_OID]: (text) => text,
  // timestamp without time zone holds UTC, as BIS writes SYSUTCDATETIME().
  [TIMESTAMP_OID]: (text) => new Date(`${text.replace(" ", "T")}Z`),
};

const types = {
  getTypeParser(oid: number, format?: string) {
    return typeParsers[oid] ?? pg.types.getTypeParser(oid, format as "text");
  },
};

export function postgresKnexConfig(config: PostgresConfig): Knex.Config {
  const target = config.url
    ? { connectionString: config.url }
    : { host: config.host, port: config.port, database: config.database, user: config.user, password: config.password };
  return {
    client: "pg",
    connection: {
      ...target,
      types,
      application_name: "bis-scim-bridge",
      ...(config.requestTimeoutMs ? { statement_timeout: config.requestTimeoutMs } : {}),
    },
    pool: serverPool(config),
    acquireConnectionTimeout: acquireTimeout(config),
  };
}

/**
 * A transaction-level advisory lock: released by commit or rollback, waits bounded by
 * lock_timeout, and PostgreSQL's deadlock detector sees it.
 * https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS
 *
 * The transaction's first lock also sets its lock_timeout, in the same statement (no round trip
 * of its own): a CASE evaluates its condition before its result, so set_config runs first.
 * set_config(..., true) is SET LOCAL's bindable form. Every write locks before it reads or
 * writes a row, so the timeout bounds all its waits.
 * https://www.postgresql.org/docs/current/functions-conditional.html#FUNCTIONS-CASE
 */
const ADVISORY_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))";
const FIRST_ADVISORY_LOCK_SQL =
  "SELECT CASE WHEN set_config('lock_timeout', ?, true) IS NOT NULL THEN pg_advisory_xact_lock(hashtextextended(?, 0)) END";

const takeAdvisoryLock: TakeLock = async (trx, key, timeoutMs, first) => {
  if (first) await trx.raw(FIRST_ADVISORY_LOCK_SQL, [`${timeoutMs}ms`, LOCK_NAMESPACE + key]);
  else await trx.raw(ADVISORY_LOCK_SQL, [LOCK_NAMESPACE + key]);
};

// https://www.postgresql.org/docs/current/errcodes-appendix.html
function classifyFailure(error: unknown): Failure | undefined {
  const code = errorProperty(error, "code");
  if (code === "40P01" || code === "40001") return { kind: "retry", reason: "deadlock or serialization failure" };
  if (code === "55P03") return { kind: "unavailable", reason: "timed out waiting for a lock" };
  if (code === "57014") return { kind: "unavailable", reason: "statement timed out" };
  if (typeof code === "string" && /^(08|57P|53|28|3D)/.test(code)) {
    return { kind: "unavailable", reason: `database refused or lost the connection (${code})` };
  }
  const message = errorProperty(error, "message");
  if (typeof message === "string" && /Connection terminated|connection timeout/i.test(message)) {
    return { kind: "unavailable", reason: "connection lost" };
  }
  return commonFailure(error);
}

export const postgresDialect: EngineDialect = {
  engine: "postgres",
  writeTransaction: (db, options, work) => transactionWithLocks(db, options, takeAdvisoryLock, work),
  // lower() on both sides; the schema has an expression index on lower("Email").
  caseFolding: { column: "lower(??)", value: "lower(?)" },
  likeLiterals: "escape",
  insertedKey: "returning",
  updateReturnsRow: true,
  bindBoolean: (value) => value,
  // timestamp without time zone ignores the zone in a literal, so this stores UTC wall time.
  bindTimestamp: (value) => value.toISOString(),
  classifyFailure,
  abortConnection(connection) {
    const client = connection as { __knex__disposed?: unknown; connection?: { stream?: { destroy(): void } } };
    // knex's pool discards a connection marked disposed instead of reusing it.
    client.__knex__disposed = new Error("aborted at the request deadline");
    client.connection?.stream?.destroy();
  },
  // A session-level advisory lock, tried without waiting (see the advisory-lock link above).
  tryExclusiveLock: (db, name) =>
    onOwnConnection(
      db,
      async (run) => firstValue(await run("SELECT pg_try_advisory_lock(hashtextextended(?, 0)) AS ok", [LOCK_NAMESPACE + name])) === true,
      (run) => run("SELECT pg_advisory_unlock(hashtextextended(?, 0))", [LOCK_NAMESPACE + name]),
    ),
};
