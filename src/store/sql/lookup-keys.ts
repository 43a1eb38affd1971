/** Resolves lookup names (e.g. a department name) to their keys inside the write transaction. */
import type { LookupModel } from "../store-model.js";
import { MissingLookupError } from "../store-errors.js";
import type { EngineDialect, WriteSession } from "./engines/engine-dialect.js";
import { insertReturningKey } from "./inserted-key.js";

/**
 * The key for `name`, creating the lookup row when the mapping allows it. The lock makes
 * concurrent writers agree on one new row instead of racing into the unique index.
 */
export async function lookupKey(
  session: WriteSession,
  dialect: EngineDialect,
  lookup: LookupModel,
  name: string,
): Promise<unknown> {
  await session.lock([`lookup:${lookup.table}:${name.toLowerCase()}`]);
  const existing = await session.trx(lookup.table)
    .select(lookup.keyColumn)
    .whereRaw(`${dialect.caseFolding.column} = ${dialect.caseFolding.value}`, [lookup.nameColumn, name])
    .orderBy(lookup.keyColumn)
    .first();
  if (existing) return existing[lookup.keyColumn];
  if (lookup.onMissing !== "create") throw new MissingLookupError(lookup.name, name);
  return insertReturningKey(session.trx, dialect, lookup.table, { [lookup.nameColumn]: name }, lookup.keyColumn);
}
