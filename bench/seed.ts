/**
 * Seeds a bench database with N users: batched inserts inside one transaction, then the
 * engine's statistics refreshed, so plans are those of a loaded production BIS.
 */
import Database from "better-sqlite3";
import type { Knex } from "knex";
import type { BenchDatabase } from "./databases.js";
import { DEPARTMENTS, LOCATIONS, phoneRows, trainingRows, userRow } from "./population.js";

/** Rows per INSERT: 22 columns x 1000 stays under PostgreSQL's 65535 parameters. */
const USER_BATCH = 1000;
const CHILD_BATCH = 3000;
/** Tables the population gives explicit keys (userRow: UserID = i), each an identity column. */
const EXPLICIT_KEYS = { Users: "UserID", Departments: "DepartmentID", Locations: "LocationID" } as const;
const hasExplicitKey = (table: string): table is keyof typeof EXPLICIT_KEYS => Object.hasOwn(EXPLICIT_KEYS, table);

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
  const phones = db.config.engine === "sqlite" ? seedSqlite(db.config.file, total, report) : await seedServer(db, total, report);
  await afterLoad(db);
  return { users: total, phones, seconds: (performance.now() - started) / 1000 };
}

/**
 * One INSERT per batch on SQL Server: the rows as one JSON parameter, taken apart by OPENJSON
 * (SQL Server 2016 and later; Babelfish has it too). Bound one value per parameter, SQL Server's
 * limit of 2,100 parameters per request would allow 95 users per INSERT, and Babelfish takes
 * about 15 ms to parse each such statement: 10x slower (1.6 ms per user, 27 min for a million).
 * Every column is read as text and converted by the INSERT to the column's type: the population
 * writes ISO dates, 0/1 flags and numbers, which convert the same under any session language.
 */
function insertJson(trx: Knex.Transaction, table: string, rows: readonly Row[]): Knex.Raw {
  const columns = Object.keys(rows[0]!);
  for (const column of [table, ...columns]) if (!/^[A-Za-z]\w*$/.test(column)) throw new Error(`not a plain name: ${column}`);
  const list = columns.map((c) => `[${c}]`).join(", ");
  // The JSON paths must be literals; the names were checked above.
  const shape = columns.map((c) => `[${c}] nvarchar(max) '$.${c}'`).join(", ");
  return trx.raw(`INSERT INTO [${table}] (${list}) SELECT ${list} FROM OPENJSON(?) WITH (${shape})`, [JSON.stringify(rows)]);
}

/** A batch's rows in as few INSERTs as the engine takes. */
async function insertRows(trx: Knex.Transaction, engine: BenchDatabase["engine"], table: string, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  if (engine === "mssql") return void (await insertJson(trx, table, rows));
  for (let start = 0; start < rows.length; start += CHILD_BATCH) await trx(table).insert(rows.slice(start, start + CHILD_BATCH));
}

/** The server engines: multi-row INSERTs in one transaction. */
async function seedServer(db: BenchDatabase, total: number, report: (done?: number) => void): Promise<number> {
  let phones = 0;
  await db.knex.transaction(async (trx) => {
    // InnoDB checks each supervisor key row by row otherwise; the data is consistent by construction.
    // (SQL Server would take ALTER TABLE ... NOCHECK CONSTRAINT ALL, which Babelfish refuses; its
    // checks are PostgreSQL's, as on the postgres engine, so they stay on there.)
    if (db.engine === "mariadb") await trx.raw("SET SESSION foreign_key_checks = 0");
    let identityInsert: string | undefined;
    for (const batch of batches(total)) {
      if (db.engine === "mssql" && hasExplicitKey(batch.table) && identityInsert !== batch.table) {
        // Explicit values in an IDENTITY column need IDENTITY_INSERT, which a session can have on
        // for one table at a time; SQL Server (and Babelfish) then move the identity past them.
        if (identityInsert) await trx.raw("SET IDENTITY_INSERT ?? OFF", [identityInsert]);
        await trx.raw("SET IDENTITY_INSERT ?? ON", [batch.table]);
        identityInsert = batch.table;
      }
      await insertRows(trx, db.engine, batch.table, batch.rows);
      if (batch.table === "UserPhones") phones += batch.rows.length;
      report(batch.usersDone);
    }
    if (identityInsert) await trx.raw("SET IDENTITY_INSERT ?? OFF", [identityInsert]);
    if (db.engine === "mariadb") await trx.raw("SET SESSION foreign_key_checks = 1");
  });
  return phones;
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
      for (const [table, key] of Object.entries(EXPLICIT_KEYS)) {
        await db.knex.raw(`SELECT setval(pg_get_serial_sequence('"${table}"', '${key}'), (SELECT max(??) FROM ??))`, [key, table]);
      }
      await db.knex.raw("ANALYZE");
      return;
    case "mariadb":
      await db.knex.raw("ANALYZE TABLE Users, UserPhones, Departments, Locations");
      return;
    case "mssql":
      // The identity already moved past the explicit keys (IDENTITY_INSERT, above). sp_updatestats
      // refreshes every table's statistics on SQL Server and on Babelfish, which refuses UPDATE
      // STATISTICS <table> ("not currently supported").
      await db.knex.raw("EXEC sp_updatestats");
      return;
    case "sqlite":
      // AUTOINCREMENT keeps its counter in sqlite_sequence, which explicit keys advance already.
      await db.knex.raw("ANALYZE");
      return;
  }
}
