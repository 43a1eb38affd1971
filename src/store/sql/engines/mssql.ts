/**
 * SQL Server (tedious), BIS's home engine. The tests run it on Babelfish (SQL Server's protocol and
 * T-SQL on PostgreSQL) and pin the T-SQL text where Babelfish differs (docs/sql-server.md).
 * knex's tedious client already listens for 'error' and 'end' on every connection and marks a
 * dropped socket as disposed, so the pool replaces it instead of crashing the process.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { Knex } from "knex";
import { acquireTimeout, serverPool, type MssqlConfig } from "../sql-config.js";
import { commonFailure, errorProperty } from "./driver-failures.js";
import { DeadlockVictim, LOCK_NAMESPACE, type EngineDialect, type Failure } from "./engine-dialect.js";
import { firstValue, onOwnConnection } from "./exclusive-lock.js";
import { lockTimedOut, LockWaitTimedOut, transactionWithLocks, type TakeLock, type WriteFailure } from "./lock-wait.js";

const require = createRequire(import.meta.url);

interface TediousColumn {
  value: unknown;
  metadata: { colName: string; type: { name: string } };
}
interface MssqlQuery {
  response?: TediousColumn[][];
}
type KnexClientClass = new (config: Knex.Config) => Knex.Client & {
  processResponse(query: MssqlQuery | undefined, runner: unknown): unknown;
};

const KnexMssqlClient = require("knex/lib/dialects/mssql/index.js") as KnexClientClass;

/**
 * tedious returns DATE as a JS Date at UTC midnight; BIS dates are calendar days, returned as
 * "YYYY-MM-DD" on every engine. The column type is only known here, from tedious's metadata.
 */
export class BisMssqlClient extends KnexMssqlClient {
  override processResponse(query: MssqlQuery | undefined, runner: unknown): unknown {
    for (const row of query?.response ?? []) {
      for (const column of row) {
        if (column.metadata?.type?.name === "Date" && column.value instanceof Date) {
          column.value = column.value.toISOString().slice(0, 10);
        }
      }
    }
    return super.processResponse(query, runner);
  }
}

function target(config: MssqlConfig) {
  if (!config.url) return config;
  const url = new URL(config.url);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    database: decodeURIComponent(url.pathname.replace(/^\//, "")) || undefined,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

export function mssqlKnexConfig(config: MssqlConfig): Knex.Config {
  const { host, port, database, user, password } = target(config);
  return {
    client: BisMssqlClient as unknown as typeof Knex.Client,
    connection: {
      server: host,
      port,
      database,
      user,
      password,
      // A domain means a Windows account: tedious logs in through NTLM.
      ...(config.domain ? { type: "ntlm", domain: config.domain } : {}),
      ...(config.connectTimeoutMs ? { connectionTimeout: config.connectTimeoutMs } : {}),
      ...(config.requestTimeoutMs ? { requestTimeout: config.requestTimeoutMs } : {}),
      options: {
        encrypt: config.encrypt,
        trustServerCertificate: config.trustServerCertificate,
        appName: "bis-scim-bridge",
        useUTC: true,
        ...(config.instanceName ? { instanceName: config.instanceName } : {}),
      },
    } as Knex.StaticConnectionConfig,
    pool: serverPool(config),
    acquireConnectionTimeout: acquireTimeout(config),
  };
}

/** sp_getapplock resources are nvarchar(255): long keys (e-mails can be 256) are hashed. */
export function applockResource(key: string): string {
  const name = LOCK_NAMESPACE + key;
  return name.length <= 255 ? name : `${LOCK_NAMESPACE}sha256:${createHash("sha256").update(key).digest("hex")}`;
}

/**
 * An exclusive application lock owned by the transaction: released by commit or rollback, and
 * part of SQL Server's deadlock detection. The return code says whether we got it (>= 0), timed
 * out (-1) or were chosen as deadlock victim (-3).
 * https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql
 */
export const APPLOCK_SQL =
  "DECLARE @result int; " +
  "EXEC @result = sp_getapplock @Resource = ?, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = ?; " +
  "SELECT @result AS result;";

export function applockQuery(db: Knex | Knex.Transaction, key: string, timeoutMs: number): Knex.Raw {
  return db.raw(APPLOCK_SQL, [applockResource(key), timeoutMs]);
}

export const takeApplock: TakeLock = async (trx, key, timeoutMs) => {
  const rows = (await applockQuery(trx, key, timeoutMs)) as Array<{ result: number }>;
  const result = rows[0]?.result;
  if (result === -3) throw new DeadlockVictim("chosen as deadlock victim while waiting for a write lock");
  if (result === -1 || result === -2) throw lockTimedOut();
  if (typeof result !== "number" || result < 0) throw new Error(`sp_getapplock failed with code ${String(result)}`);
};

// https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors
function classifyFailure(error: unknown): Failure | undefined {
  const number = errorProperty(error, "number");
  if (number === 1205) return { kind: "retry", reason: "deadlock" };
  if (number === 1222) return { kind: "unavailable", reason: "timed out waiting for a lock" };
  const code = errorProperty(error, "code");
  // tedious reports a refused login as ELOGIN (the server's 18456 in the message, not in .number).
  if (number === 4060 || number === 18456 || code === "ELOGIN") {
    return { kind: "unavailable", reason: "login failed: check the store's user, password or domain, and that the login may use the database" };
  }
  if (code === "ESOCKET" && /certificate/i.test(String(errorProperty(error, "message")))) {
    return { kind: "unavailable", reason: "TLS failed: the server's certificate is not trusted (install its CA on this host; trustServerCertificate: true only for a test server)" };
  }
  if (errorProperty(error, "name") === "ConnectionError") {
    return { kind: "unavailable", reason: `database refused or lost the connection (${String(errorProperty(error, "code"))})` };
  }
  if (code === "ETIMEOUT" || code === "ESOCKET" || code === "ECLOSE") {
    return { kind: "unavailable", reason: `request failed (${code})` };
  }
  return commonFailure(error);
}

/**
 * A session the server ended mid-write (a restart, a failover, a KILL) cannot be rolled back by
 * the client: knex then rejects with its own "Can't rollback transaction" and drops the error
 * that ended the write. Throw that one instead (it says the connection was lost), and close the
 * connection, so the pool never hands out a session that may still be inside a transaction; the
 * server rolls back whatever the session held when it ends.
 */
const settleFailedWrite: WriteFailure = (connection, error, workError) => {
  if (workError === undefined) return error;
  if ((connection as { state?: { name?: string } }).state?.name !== "LoggedIn") {
    closeSession(connection);
    return workError;
  }
  if (refusedLock(workError)) closeSession(connection);
  return error;
};

/**
 * A session that asked for an application lock and was refused (a timeout, a deadlock) is closed
 * rather than pooled: on Babelfish each refusal leaves error state in the session, and a few of
 * them abort the server process (docs/sql-server.md); on SQL Server it only costs a reconnect,
 * after a request that already failed.
 */
function refusedLock(error: unknown): boolean {
  return error instanceof DeadlockVictim || error instanceof LockWaitTimedOut;
}

/**
 * Closes a tedious connection and marks it so the pool discards it at once: knex otherwise learns
 * of the close only from the socket's 'end' event, and might hand the connection out before then.
 */
function closeSession(connection: unknown): void {
  const tedious = connection as { close?(): void; connected?: boolean; __knex__disposed?: unknown };
  tedious.connected = false;
  tedious.__knex__disposed ??= "closed by the bridge";
  tedious.close?.();
}

export const mssqlDialect: EngineDialect = {
  engine: "mssql",
  writeTransaction: (db, options, work) => transactionWithLocks(db, options, takeApplock, work, settleFailedWrite),
  // BIS's default collation (e.g. SQL_Latin1_General_CP1_CI_AS) compares without case.
  caseFolding: { column: "??", value: "?" },
  caseExact: { column: "?? COLLATE Latin1_General_100_BIN2", value: "?", like: true },
  // [_] is SQL Server's own literal form; it also avoids a Babelfish gap, where LIKE '%!_' ESCAPE '!'
  // on a case-insensitive column matches nothing (docs/sql-server.md).
  likeLiterals: "brackets",
  // Not OUTPUT: a plain OUTPUT is refused on a table with triggers, and OUTPUT ... INTO a temporary
  // table trips a Babelfish defect (a later foreign-key check names the schema twice; BABEL-5270).
  // SCOPE_IDENTITY() is the key this INSERT made, whatever triggers insert elsewhere.
  insertedKey: "scopeIdentity",
  updateReturnsRow: false,
  bindBoolean: (value) => value,
  bindTimestamp: (value) => value,
  classifyFailure,
  // Its socket ends at once; the pool discards it (a write cut off at its deadline rolls back).
  abortConnection: closeSession,
  // A session-owned app lock, no wait: a result >= 0 means granted (see sp_getapplock above).
  tryExclusiveLock: (db, name) =>
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
      closeSession,
    ),
};
