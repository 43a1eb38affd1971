/** Writes a user's child rows (one per type): only the types that changed are touched. */
import type { UserTableModel } from "../store-model.js";
import type { Db } from "./user-rows.js";

type ChildValues = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * Brings the child rows of `userKey` from `current` to `next`. A child absent from `next`
 * altogether is left as it is; a type absent from a present child loses its row.
 * Returns whether anything was written.
 */
export async function syncChildren(
  trx: Db,
  model: UserTableModel,
  userKey: number,
  next: ChildValues,
  current: ChildValues,
): Promise<boolean> {
  let changed = false;
  for (const child of model.children) {
    const wanted = next[child.name];
    if (wanted === undefined) continue;
    const had = current[child.name] ?? {};
    const rows = () => trx(child.table).where(child.parentColumn, userKey);
    const gone = Object.keys(had).filter((type) => !(type in wanted));
    if (gone.length > 0) await rows().whereIn(child.typeColumn, gone).delete();
    const added: Record<string, unknown>[] = [];
    for (const [type, value] of Object.entries(wanted)) {
      if (!(type in had)) {
        added.push({ [child.parentColumn]: userKey, [child.typeColumn]: type, [child.valueColumn]: value });
      } else if (had[type] !== value) {
        await rows().where(child.typeColumn, type).update({ [child.valueColumn]: value });
        changed = true;
      }
    }
    // New types in one INSERT (a new user's work and mobile phone: one statement, not two).
    if (added.length > 0) await trx(child.table).insert(added);
    changed ||= gone.length > 0 || added.length > 0;
  }
  return changed;
}

/**
 * The child rows of the user once `syncChildren(next, current)` has run: `next` for every child
 * it names, `current` for the rest. The write knows them, so it need not read them back.
 */
export function childrenAfterSync(model: UserTableModel, next: ChildValues, current: ChildValues): Record<string, Record<string, string>> {
  return Object.fromEntries(model.children.map((child) => [child.name, { ...(next[child.name] ?? current[child.name] ?? {}) }]));
}

/** Removes every child row of a user (hard delete). */
export async function deleteChildren(trx: Db, model: UserTableModel, userKey: number): Promise<void> {
  for (const child of model.children) await trx(child.table).where(child.parentColumn, userKey).delete();
}
