/**
 * Seeds a bench database with N users: batched inserts inside one transaction, then the
 * engine's statistics refreshed, so plans are those of a loaded production BIS.
 */
import Database from "better-sqlite3";
import type { BenchDatabase } from "./databases.js";
import { DEPARTMENTS, LOCATIONS, phoneRows, trainingRows, userRow } from "./population.js";

/** Rows per INSERT: 22 columns x 1000 stays under PostgreSQL's 65535 parameters. */
const USER_BATCH = 1000;
const CHILD_BATCH = 3000;

type Row = Record<string, unknown>;

export interface SeedResult {
  readonly users: number;
  readonly phones: number;
  readonly seconds: number;
}

/** The rows to load, table by table, in batches; lookups first so every key exists. */
function* batches(total: number): Generator<{ table: string; rows: Row[]; usersDone?: number }> {
  yield { table: "Departments", rows: DEPARTMENTS.map((name, i) => ({ DepartmentID: i + 1, DepartmentName: name })) };
  yield { table: "Locations", rows: LOCATIONS.map((name, i) => ({ LocationID: i + 1, LocationName: name })) };
  for (let start = 1; start <= total; start += USER_BATCH) {
    const end = Math.min(total, start + USER_BATCH - 1);
    const users: Row[] = [];
    const phones: Row[] = [];
    const training: Row[] = [];
    for (let i = start; i <= end; i += 1) {
      users.push(userRow(i, total));
      phones.push(...phoneRows(i));
      training.push(...trainingRows(i));
    }
    yield { table: "Users", rows: users, usersDone: end };
    yield { table: "UserPhones", rows: phones };
    yield { table: "TrainingRecords", rows: training };
  }
}

export async function seedUsers(db: BenchDatabase, total: number, progress: (line: string) => void): Promise<SeedResult> {
  const started = performance.now();
  const report = (done?: number) => done !== undefined && done % 100_000 === 0 && progress(`  seeded ${done.toLocaleString("en")} users`);
  let phones = 0;
  if (db.config.engine === "sqlite") {
    phones = seedSqlite(db.config.file, total, report);
  } else {
    await db.knex.transaction(async (trx) => {
      // InnoDB checks each supervisor key row by row otherwise; the data is consistent by construction.
      if (db.engine === "mariadb") await trx.raw("SET SESSION foreign_key_checks = 0");
      for (const batch of batches(total)) {
        for (let start = 0; start < batch.rows.length; start += CHILD_BATCH) await trx(batch.table).insert(batch.rows.slice(start, start + CHILD_BATCH));
        if (batch.table === "UserPhones") phones += batch.rows.length;
        report(batch.usersDone);
      }
      if (db.engine === "mariadb") await trx.raw("SET SESSION foreign_key_checks = 1");
    });
  }
  await afterLoad(db);
  return { users: total, phones, seconds: (performance.now() - started) / 1000 };
}

/** knex writes SQLite multi-row inserts as UNION ALL (at most 500 terms); prepared inserts in one transaction are faster anyway. */
function seedSqlite(file: string, total: number, report: (done?: number) => void): number {
  const sqlite = new Database(file);
  const statements = new Map<string, Database.Statement>();
  let phones = 0;
  try {
    sqlite.transaction(() => {
      for (const batch of batches(total)) {
        for (const row of batch.rows) {
          const columns = Object.keys(row);
          const key = `${batch.table}:${columns.join(",")}`;
          let statement = statements.get(key);
          if (!statement) {
            statement = sqlite.prepare(`INSERT INTO "${batch.table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
            statements.set(key, statement);
          }
          statement.run(...Object.values(row));
        }
        if (batch.table === "UserPhones") phones += batch.rows.length;
        report(batch.usersDone);
      }
    })();
  } finally {
    sqlite.close();
  }
  return phones;
}

/** Identity counters past the explicit keys, and fresh planner statistics. */
async function afterLoad(db: BenchDatabase): Promise<void> {
  switch (db.engine) {
    case "postgres":
      for (const [table, key] of [["Users", "UserID"], ["Departments", "DepartmentID"], ["Locations", "LocationID"]] as const) {
        await db.knex.raw(`SELECT setval(pg_get_serial_sequence('"${table}"', '${key}'), (SELECT max(??) FROM ??))`, [key, table]);
      }
      await db.knex.raw("ANALYZE");
      return;
    case "mariadb":
      await db.knex.raw("ANALYZE TABLE Users, UserPhones, Departments, Locations");
      return;
    case "sqlite":
      // AUTOINCREMENT keeps its counter in sqlite_sequence, which explicit keys advance already.
      await db.knex.raw("ANALYZE");
      return;
  }
}
