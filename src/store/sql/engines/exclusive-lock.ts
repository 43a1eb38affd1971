/**
 * What the engines' try-locks for scheduled jobs (EngineDialect.tryExclusiveLock) share: a
 * session-scoped lock held on a pooled connection of its own until `release()`.
 */
import type { Knex } from "knex";

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * A pooled connection kept aside for the lock's lifetime (session-scoped locks live on it).
 * `refused`, when given, is told of the connection when the lock was not granted, before the
 * connection goes back to the pool (it may close it).
 */
export async function onOwnConnection(
  db: Knex,
  acquire: (run: (sql: string, bindings: unknown[]) => Promise<unknown>) => Promise<boolean>,
  release: (run: (sql: string, bindings: unknown[]) => Promise<unknown>) => Promise<unknown>,
  refused?: (connection: unknown) => void,
): Promise<HeldLock | undefined> {
  const connection = await db.client.acquireConnection();
  const run = (sql: string, bindings: unknown[]) => db.raw(sql, bindings as Knex.RawBinding[]).connection(connection);
  let acquired = false;
  try {
    acquired = await acquire(run);
  } finally {
    if (!acquired) {
      refused?.(connection);
      await db.client.releaseConnection(connection);
    }
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

/** The first column of the first row of a raw answer, whatever shape the driver gives it. */
export const firstValue = (result: unknown): unknown => {
  const rows = (result as { rows?: unknown[] }).rows ?? (Array.isArray(result) ? (Array.isArray(result[0]) ? result[0] : result) : []);
  const row = rows[0] as Record<string, unknown> | undefined;
  return row ? Object.values(row)[0] : undefined;
};
