/** Resolves lookup names (e.g. a department name) to their keys inside the write transaction. */
import type { LookupModel } from "../store-model.js";
import { MissingLookupError } from "../store-errors.js";
import type { EngineDialect, WriteSession } from "./engines/engine-dialect.js";
import { insertReturningKey } from "./inserted-key.js";

/**
 * The key for `name`, creating the lookup row when the mapping allows it. The row is read
 * without a lock first, so writers naming an existing department never queue behind each
 * other; only a missing name takes the lock, and is read again under it before the insert,
 * so concurrent writers agree on one new row instead of racing into the unique index.
 */
export async function lookupKey(
  session: WriteSession,
  dialect: EngineDialect,
  lookup: LookupModel,
  name: string,
): Promise<unknown> {
  const existing = await existingKey(session, dialect, lookup, name);
  if (existing !== undefined) return existing;
  if (lookup.onMissing !== "create") throw new MissingLookupError(lookup.name, name);
  await session.lock([`lookup:${lookup.table}:${name.toLowerCase()}`]);
  const created = await existingKey(session, dialect, lookup, name);
  if (created !== undefined) return created;
  return insertReturningKey(session.trx, dialect, lookup.table, { [lookup.nameColumn]: name }, lookup.keyColumn);
}

/** The lowest key of a row named `name` (case-insensitively), or undefined when there is none. */
async function existingKey(session: WriteSession, dialect: EngineDialect, lookup: LookupModel, name: string): Promise<unknown> {
  const row = await session.trx(lookup.table)
    .select(lookup.keyColumn)
    .whereRaw(`${dialect.caseFolding.column} = ${dialect.caseFolding.value}`, [lookup.nameColumn, name])
    .orderBy(lookup.keyColumn)
    .first();
  return row ? row[lookup.keyColumn] : undefined;
}
