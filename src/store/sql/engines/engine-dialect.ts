/**
 * What differs between the SQL engines, as one capability object per engine. Store code asks the
 * dialect; it never tests which engine it runs on.
 */
import type { Knex } from "knex";
import type { SqlEngine } from "../sql-config.js";
import type { HeldLock } from "./exclusive-lock.js";

/** A write transaction plus the named locks it may take; locks end with the transaction. */
export interface WriteSession {
  readonly trx: Knex.Transaction;
  /**
   * Takes these locks (sorted, each once), waiting at most the lock timeout for each. A write
   * takes its first lock before it reads or writes a row: PostgreSQL sets the transaction's
   * lock_timeout in that same statement.
   */
  lock(keys: readonly string[]): Promise<void>;
}

export interface WriteOptions {
  readonly lockTimeoutMs: number;
  /** A table and column the engine may touch with a no-op write to take its write lock (SQLite). */
  readonly anchor: { readonly table: string; readonly column: string };
  /**
   * Told the connection a write holds as soon as it has it, before any statement runs on it, so
   * the store's deadline can abort it; throws to give it back unused (the deadline has passed).
   */
  readonly connectionAcquired?: (connection: unknown) => void;
}

/**
 * How "equal ignoring case" is written: `column` wraps the column reference (bound as `??`),
 * `value` wraps the bound value (`?`). Both sides get the same treatment so an index on the
 * folded column (Postgres lower(Email)) or the column's collation (CI or NOCASE) can serve it.
 */
export interface CaseFolding {
  readonly column: string;
  readonly value: string;
}

export type FailureKind = "retry" | "unavailable";

/** A driver failure the store treats specially; `reason` is safe to show (no secrets, no SQL). */
export interface Failure {
  readonly kind: FailureKind;
  readonly reason: string;
}

export interface EngineDialect {
  readonly engine: SqlEngine;
  /** Runs `work` in one write transaction; its locks are released when the transaction ends. */
  writeTransaction<T>(
    db: Knex,
    options: WriteOptions,
    work: (session: WriteSession) => Promise<T>,
  ): Promise<T>;
  readonly caseFolding: CaseFolding;
  /**
   * On engines whose collation ignores case, how a case-exact comparison (SCIM caseExact, e.g.
   * externalId) is written; it is added beside the plain comparison, which the index serves.
   */
  readonly caseExact?: CaseFolding & {
    /** Whether the wrappers also make LIKE (co/sw/ew) case-sensitive. */
    readonly like: boolean;
  };
  /**
   * How a LIKE pattern keeps a character literal: with the escape character (`!_`, and an
   * ESCAPE clause), or, in T-SQL, as a one-character class (`[_]`), where `[` is special too.
   */
  readonly likeLiterals: "escape" | "brackets";
  /**
   * How an INSERT hands back the generated key: RETURNING, the driver's insertId (MariaDB's
   * LAST_INSERT_ID), or SQL Server's SCOPE_IDENTITY() read in the same batch.
   */
  readonly insertedKey: "returning" | "insertId" | "scopeIdentity";
  /**
   * UPDATE can hand back the row as written (RETURNING), saving the read-back. MariaDB cannot;
   * SQL Server could (OUTPUT), but a plain OUTPUT is refused on a table with triggers, which BIS
   * installs may have, so it reads the row back.
   */
  readonly updateReturnsRow: boolean;
  bindBoolean(value: boolean): boolean | number;
  bindTimestamp(value: Date): Date | string;
  /** Deadlocks are worth a retry; lost connections and timeouts mean the backend is unavailable. */
  classifyFailure(error: unknown): Failure | undefined;
  /**
   * Closes a driver connection at once (its socket), marking it so the pool discards it: a write
   * abandoned at its deadline then rolls back on the server and can never commit later. Absent
   * for SQLite, whose calls run in-process and cannot hang on a network.
   */
  abortConnection?(connection: unknown): void;
  /**
   * Takes the named lock that makes one replica, of several on one database, run a scheduled
   * job: without waiting (undefined when another holds it; that replica skips the run), held
   * until `release()`.
   */
  tryExclusiveLock(db: Knex, name: string): Promise<HeldLock | undefined>;
}

/** LIKE escape character, the same on every engine that uses one (a backslash would need escaping in MariaDB). */
export const LIKE_ESCAPE = "!";

/** Prefix of every lock name, so the bridge's locks never collide with another application's. */
export const LOCK_NAMESPACE = "bis-scim-bridge:";

/** Thrown by engine code when the database chose this transaction as a deadlock victim. */
export class DeadlockVictim extends Error {
  override readonly name = "DeadlockVictim";
}

/** Each key once, in sorted order: every writer takes locks in one order, so no lock cycles. */
export function lockOrder(keys: readonly string[], taken: ReadonlySet<string>): string[] {
  return [...new Set(keys)].filter((key) => !taken.has(key)).sort();
}
