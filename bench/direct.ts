/**
 * The same three operations done directly with knex (same driver, same pool settings as the
 * bridge) at the same concurrency: the least a hand-written service must ask the database to
 * give the same answer. Bridge time / direct time is the bridge's overhead, HTTP included; the
 * HTTP floor (http-floor.ts) serves these same queries over a bare node:http server.
 */
import { randomUUID } from "node:crypto";
import type { Knex } from "knex";
import type { SqlEngine } from "../src/store/sql/sql-config.js";
import type { BenchDatabase } from "./databases.js";
import type { UserPicker } from "./entra-cycle.js";
import { summarise, type LatencySummary } from "./latencies.js";
import { emailOf } from "./population.js";

export type DirectOperation = "filter" | "get" | "patch";

export interface DirectPhaseResult {
  readonly operation: DirectOperation;
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latency: LatencySummary;
  readonly queriesPerRequest: number;
  /** CPU time (user + system) of this process per operation: knex and the driver, not the database. */
  readonly cpuMsPerRequest: number;
}

type Db = Knex | Knex.Transaction;
export type DirectUser = Record<string, unknown>;

/** The database work of the three operations, for given users: what direct.ts and the HTTP floor (http-floor.ts) run. */
export interface DirectQueries {
  /** The live users with this e-mail (a shared e-mail finds two). */
  filter(email: string): Promise<DirectUser[]>;
  /** The live user with this id: one row, or none. */
  get(id: number): Promise<DirectUser[]>;
  /** Sets LastName (and ModifiedOn), then reads the user back, in one transaction: one row, or none. */
  patch(id: number, familyName: string): Promise<DirectUser[]>;
}

/**
 * IsDeleted = "not deleted", bound as the bridge binds it: a boolean where the column is one
 * (PostgreSQL BOOLEAN; SQL Server BIT, which tedious binds as bit), 0 where it is a number.
 */
const liveFlag = (engine: SqlEngine) => (engine === "postgres" || engine === "mssql" ? false : 0);

/** The user row with its lookup names (as SCIM shows them), live users only, then its phones. */
async function readUsers(db: Db, engine: SqlEngine, where: (query: Knex.QueryBuilder) => void): Promise<DirectUser[]> {
  const query = db({ u: "Users" })
    .leftJoin({ d: "Departments" }, "d.DepartmentID", "u.DepartmentID")
    .leftJoin({ l: "Locations" }, "l.LocationID", "u.LocationID")
    .select("u.*", "d.DepartmentName", "l.LocationName")
    .where("u.IsDeleted", liveFlag(engine));
  where(query);
  const users: DirectUser[] = await query;
  if (users.length === 0) return users;
  const phones: DirectUser[] = await db("UserPhones").select("UserID", "PhoneType", "Number").whereIn("UserID", users.map((u) => u.UserID as number));
  return users.map((user) => ({ ...user, phones: phones.filter((p) => p.UserID === user.UserID) }));
}

export function directQueries(knex: Knex, engine: SqlEngine): DirectQueries {
  const now = () => (engine === "sqlite" ? new Date().toISOString().replace("T", " ").replace("Z", "") : new Date());
  return {
    // PostgreSQL compares case-sensitively: lower() on both sides, served by IX_Users_Email_lower.
    // MariaDB's and SQL Server's collations ignore case: a plain Email = ? on IX_Users_Email.
    filter: (email) => readUsers(knex, engine, (q) => (engine === "postgres" ? q.whereRaw('lower("u"."Email") = lower(?)', [email]) : q.where("u.Email", email))),
    get: (id) => readUsers(knex, engine, (q) => q.where("u.UserID", id)),
    // One transaction: the change, then the user as it now is (SCIM answers PATCH with it).
    patch: (id, familyName) =>
      knex.transaction(async (trx) => {
        await trx("Users").where({ UserID: id }).update({ LastName: familyName, ModifiedOn: now() });
        return readUsers(trx, engine, (q) => q.where("u.UserID", id));
      }),
  };
}

/** The three operations on random live users, as the HTTP scenarios pick them (entra-cycle.ts singleOperations). */
export function directOperations(db: BenchDatabase, picker: UserPicker): Record<DirectOperation, () => Promise<unknown>> {
  const queries = directQueries(db.knex, db.engine);
  return {
    filter: () => queries.filter(emailOf(picker.live())),
    get: () => queries.get(picker.live()),
    patch: () => queries.patch(picker.live(), `Renamed-${randomUUID().slice(0, 8)}`),
  };
}

/** A closed loop of `concurrency` workers for `durationSeconds`, like autocannon's connections. */
export async function runDirectPhase(
  db: BenchDatabase,
  operation: DirectOperation,
  work: () => Promise<unknown>,
  options: { concurrency: number; durationSeconds: number },
): Promise<DirectPhaseResult> {
  let queries = 0;
  const count = () => (queries += 1);
  db.knex.on("query", count);
  const samples: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const end = started + options.durationSeconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await work();
      samples.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  db.knex.off("query", count);
  return {
    operation,
    requests: samples.length,
    seconds,
    requestsPerSecond: samples.length / seconds,
    latency: summarise(samples),
    queriesPerRequest: queries / samples.length,
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / samples.length,
  };
}
