/**
 * A UserStore that answers from memory at once, over the bench population (population.ts), for
 * the HTTP-stage bench: with it the bridge's HTTP, SCIM and mapping stages are measured without
 * a database. It is a measuring device, not a BIS backend: it answers only what the bench asks
 * (get, `userName eq` filter, update) and refuses anything else.
 */
import type { BisUser } from "../src/store/bis-user.js";
import type { UserTableModel } from "../src/store/store-model.js";
import type { UserQuery } from "../src/store/user-query.js";
import type { UserStore } from "../src/store/user-store.js";
import { DEPARTMENTS, LOCATIONS, isDeleted, phoneRows, userRow } from "./population.js";

/** User `i` as the SQL store reads it: lookup names, not keys; phones as children; the self-reference as text. */
function bisUser(model: UserTableModel, i: number, total: number): BisUser {
  const row = userRow(i, total);
  const names: Record<string, readonly string[]> = { Departments: DEPARTMENTS, Locations: LOCATIONS };
  const fields: Record<string, BisUser["fields"][string]> = {};
  for (const column of [model.emailColumn, model.activeColumn, ...model.columns]) if (column) fields[column] = row[column] as BisUser["fields"][string];
  for (const column of model.selfReferences) fields[column] = row[column] == null ? null : String(row[column]);
  for (const lookup of model.lookups) fields[lookup.column] = row[lookup.column] == null ? null : names[lookup.table]![(row[lookup.column] as number) - 1]!;
  const phones = Object.fromEntries(phoneRows(i).map((phone) => [phone.PhoneType as string, phone.Number as string]));
  const created = new Date(`${String(row.CreatedOn).replace(" ", "T")}Z`);
  return { id: String(i), fields, children: { phones }, created, modified: created };
}

export function memoryStore(model: UserTableModel, total: number): UserStore {
  const users = new Map<string, BisUser>();
  /** Lower-cased e-mail -> ids: a filter answers the users as they are now (after PATCHes). */
  const byEmail = new Map<string, string[]>();
  for (let i = 1; i <= total; i += 1) {
    if (isDeleted(i)) continue;
    const user = bisUser(model, i, total);
    users.set(user.id, user);
    const email = String(user.fields[model.emailColumn]).toLowerCase();
    byEmail.set(email, [...(byEmail.get(email) ?? []), user.id]);
  }
  const refused = (what: string) => () => Promise.reject(new Error(`the bench's memory store does not ${what}`));
  const store: UserStore = {
    get: async (id) => users.get(id),
    async find(query: UserQuery) {
      const where = query.where;
      if (where?.kind !== "compare" || where.op !== "eq" || where.field.kind !== "column" || where.field.column !== model.emailColumn) {
        throw new Error("the bench's memory store answers only userName eq filters");
      }
      const found = (byEmail.get(String(where.value).toLowerCase()) ?? []).map((id) => users.get(id)!);
      return { total: found.length, users: found.slice(query.offset, query.offset + query.limit) };
    },
    async update(id, updater) {
      const current = users.get(id);
      if (!current) return undefined;
      const next = await updater(current);
      const written: BisUser = { ...current, fields: next.fields, children: next.children, modified: new Date() };
      users.set(id, written);
      return written;
    },
    findByEmail: refused("find by e-mail"),
    create: refused("create users"),
    delete: refused("delete users"),
    ping: async () => undefined,
    close: async () => undefined,
  };
  return store;
}
