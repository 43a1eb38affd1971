/**
 * What "BIS intact" means, checked on the rows: no e-mail held twice by live users, no user
 * without its phone row (every test user is created with a work phone), every acknowledged
 * write present.
 */
import type { Knex } from "knex";

export interface BisHealth {
  /** Extra live users for one e-mail (0 when every e-mail is held once). */
  readonly duplicates: number;
  /** Users created by the test that lack their work phone row. */
  readonly halfWritten: number;
}

interface UserRow {
  UserID: number;
  Email: string;
  IsDeleted: boolean | number;
}

/** Only users whose e-mail ends with `domain` count: the seed rows hold a legacy duplicate on purpose. */
export async function checkBis(knex: Knex, domain: string): Promise<BisHealth> {
  const users = ((await knex("Users").select("UserID", "Email", "IsDeleted")) as UserRow[]).filter((u) => u.Email.toLowerCase().endsWith(domain));
  const phones = new Set(((await knex("UserPhones").select("UserID").where("PhoneType", "WORK")) as { UserID: number }[]).map((p) => Number(p.UserID)));
  const live = users.filter((u) => !u.IsDeleted);
  const perEmail = new Map<string, number>();
  for (const user of live) perEmail.set(user.Email.toLowerCase(), (perEmail.get(user.Email.toLowerCase()) ?? 0) + 1);
  const duplicates = [...perEmail.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const halfWritten = users.filter((u) => !phones.has(Number(u.UserID))).length;
  return { duplicates, halfWritten };
}

/** Acknowledged creates whose e-mail BIS does not hold (as a live user). */
export async function lostCreates(knex: Knex, acknowledged: Iterable<string>): Promise<string[]> {
  const users = (await knex("Users").select("Email", "IsDeleted")) as UserRow[];
  const present = new Set(users.filter((u) => !u.IsDeleted).map((u) => u.Email.toLowerCase()));
  return [...acknowledged].filter((email) => !present.has(email.toLowerCase()));
}
