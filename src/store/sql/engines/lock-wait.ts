/** Shared pieces of the per-engine transaction and lock code. */
import type { Knex } from "knex";
import { BackendUnavailableError } from "../../store-errors.js";
import { lockOrder, type WriteOptions, type WriteSession } from "./engine-dialect.js";

/** Takes one lock; `first` is true for the transaction's first lock (which may set up its timeout too). */
export type TakeLock = (trx: Knex.Transaction, key: string, timeoutMs: number, first: boolean) => Promise<void>;

/**
 * Decides what a failed write throws, before its connection goes back to the pool: `error` is
 * what the transaction ended with, `workError` what the write itself threw (undefined when the
 * work succeeded and COMMIT failed). It may close the connection.
 */
export type WriteFailure = (connection: unknown, error: unknown, workError: unknown) => unknown;

/**
 * A knex transaction whose session takes transaction-scoped locks with `takeLock`
 * (SQL Server and PostgreSQL: the database releases them at commit or rollback).
 */
export async function transactionWithLocks<T>(
  db: Knex,
  options: WriteOptions,
  takeLock: TakeLock,
  work: (session: WriteSession) => Promise<T>,
  failed: WriteFailure = (_connection, error) => error,
): Promise<T> {
  return onWriteConnection(db, options, async (connection) => {
    let workError: unknown;
    try {
      return await db.transaction(
        async (trx) => {
          const taken = new Set<string>();
          try {
            return await work({
              trx,
              async lock(keys) {
                for (const key of lockOrder(keys, taken)) {
                  await takeLock(trx, key, options.lockTimeoutMs, taken.size === 0);
                  taken.add(key);
                }
              },
            });
          } catch (error) {
            workError = error;
            throw error;
          }
        },
        { connection },
      );
    } catch (error) {
      throw failed(connection, error, workError);
    }
  });
}

/**
 * Runs a write on a pooled connection acquired here, not by knex, so the store's deadline is told
 * of it (`connectionAcquired`) before the first statement (BEGIN, a session setting) is sent.
 */
export async function onWriteConnection<C, T>(db: Knex, options: WriteOptions, write: (connection: C) => Promise<T>): Promise<T> {
  const connection = (await db.client.acquireConnection()) as C;
  try {
    options.connectionAcquired?.(connection);
    return await write(connection);
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/** A write that waited its lock timeout for a lock another write holds: 503, the client retries. */
export class LockWaitTimedOut extends BackendUnavailableError {
  constructor() {
    super("timed out waiting for a write lock");
  }
}

export function lockTimedOut(): BackendUnavailableError {
  return new LockWaitTimedOut();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
