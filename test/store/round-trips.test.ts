/**
 * What a SCIM request costs in statements (knex's query events: BEGIN, locks and COMMIT
 * included), and that the shortcuts behind those numbers keep the write's guarantees: the user a
 * write answers is the user a read then finds, PostgreSQL's lock_timeout is in force from the
 * first lock, and every write statement reads the latest committed rows.
 */
import knexFactory from "knex";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildKnexConfig } from "../../src/store/sql/sql-config.js";
import { SqlUserStore } from "../../src/store/sql/sql-user-store.js";
import { referenceModel } from "../fixtures/reference-model.js";
import { describeEachEngine } from "../support/databases.js";
import { newUser, SEEDED, storeOn } from "./store-fixtures.js";

const WRITE_OPTIONS = { lockTimeoutMs: 1234, anchor: { table: "Users", column: "UserID" } };

/**
 * Statements of a one-column PATCH. MariaDB has no UPDATE ... RETURNING, so it reads the row back;
 * SQL Server reads it back too (OUTPUT is refused on tables with triggers, which BIS installs may
 * have), and its BEGIN and COMMIT are TDS transaction requests, not statements.
 */
const PATCH_STATEMENTS = { sqlite: 6, postgres: 6, mariadb: 7, mssql: 5 } as const;

describeEachEngine("statements per request", (engine) => {
  const t = storeOn(engine);
  let statements: string[] = [];
  const record = (query: { sql: string }) => statements.push(query.sql);
  // Braces: a knex instance is thenable, and a hook awaits what it is given.
  beforeAll(() => {
    t.store.db.on("query", record);
  });
  afterAll(() => {
    t.store.db.off("query", record);
  });

  async function counted<T>(work: () => Promise<T>): Promise<{ result: T; count: number }> {
    statements = [];
    const result = await work();
    return { result, count: statements.length };
  }

  it("GET by id and a userName filter: the user row with its lookup names, then its phones", async () => {
    expect((await counted(() => t.store.get(SEEDED.grace))).count).toBe(2);
    const email = { kind: "compare", field: { kind: "column", column: "Email" }, op: "eq", value: "grace.hopper@example.com", ignoreCase: true } as const;
    expect((await counted(() => t.store.find({ where: email, offset: 0, limit: 100 }))).count).toBe(2);
  });

  it("a PATCH of one column: BEGIN, lock, the user once, its phones, UPDATE (RETURNING the row where the engine can), COMMIT", async () => {
    const { user } = await t.store.create(newUser("patched@example.com", {}, { WORK: "1", MOBILE: "2" }), "conflict");
    const { result, count } = await counted(() => t.store.update(user.id, (current) => ({ ...current, fields: { ...current.fields, LastName: "Renamed" } })));
    // MariaDB's READ COMMITTED was set once on this (reused) connection, by the create's write.
    expect(count).toBe(PATCH_STATEMENTS[engine]);
    expect(statements.some((sql) => /^update .* returning \*/i.test(sql))).toBe(engine === "sqlite" || engine === "postgres");
    expect(statements.filter((sql) => /^update/i.test(sql))).toHaveLength(engine === "sqlite" ? 2 : 1); // SQLite: the no-op write that takes its lock
    expect(result!.fields.LastName).toBe("Renamed");
    expect(await t.store.get(user.id)).toEqual(result);
  });

  it("answers with the user as a read then finds it, phones changed, added and removed", async () => {
    const { user } = await t.store.create(newUser("phones@example.com", {}, { WORK: "1", MOBILE: "2" }), "conflict");
    const updated = await t.store.update(user.id, (current) => ({ fields: { ...current.fields, JobTitle: "Lead", DepartmentID: "engineering" }, children: { phones: { WORK: "1b", HOME: "3" } } }));
    expect(updated!.children).toEqual({ phones: { WORK: "1b", HOME: "3" } });
    expect(updated!.fields.DepartmentID).toBe("Engineering"); // the lookup row's own spelling, read back
    expect(await t.store.get(user.id)).toEqual(updated);
    // A write that names no phones leaves them, and says so.
    const kept = await t.store.update(user.id, (current) => ({ fields: { ...current.fields, JobTitle: "Lead 2" }, children: {} }));
    expect(kept!.children).toEqual({ phones: { WORK: "1b", HOME: "3" } });
    expect(await t.store.get(user.id)).toEqual(kept);
  });

  it("a create answers the new user as a read then finds it (database defaults included)", async () => {
    const { user } = await t.store.create(newUser("created@example.com", {}, { WORK: "1", MOBILE: "2" }), "conflict");
    expect(user.children).toEqual({ phones: { WORK: "1", MOBILE: "2" } });
    expect(await t.store.get(user.id)).toEqual(user);
  });

  it.skipIf(engine === "sqlite")("each statement of a write reads the latest committed rows (not a snapshot from its start)", async () => {
    const other = new SqlUserStore(t.database.config, referenceModel);
    // Both the store's own pool and a knex built elsewhere get the isolation (MariaDB: once per connection).
    const url = (t.database.config as { url: string }).url;
    const plain = knexFactory(engine === "mssql" ? buildKnexConfig(t.database.config) : { client: engine === "postgres" ? "pg" : "mysql2", connection: url });
    try {
      for (const [round, db] of [t.store.db, plain].entries()) {
        const seen: unknown[] = [];
        await t.store.dialect.writeTransaction(db, WRITE_OPTIONS, async (session) => {
          await session.lock(["user:isolation"]);
          const title = () => session.trx("Users").where("UserID", Number(SEEDED.alan)).first("JobTitle");
          seen.push((await title()).JobTitle);
          await other.db("Users").where("UserID", Number(SEEDED.alan)).update({ JobTitle: `Committed meanwhile ${round}` });
          seen.push((await title()).JobTitle);
        });
        expect(seen).toEqual([expect.not.stringMatching(`Committed meanwhile ${round}`), `Committed meanwhile ${round}`]);
      }
    } finally {
      await plain.destroy();
      await other.close();
    }
  });

  it.skipIf(engine === "sqlite")("a write's connection is known to the deadline before its first statement (BEGIN included)", async () => {
    let before: number | undefined;
    let handed: unknown;
    statements = [];
    await t.store.dialect.writeTransaction(t.store.db, { ...WRITE_OPTIONS, connectionAcquired: (connection) => ((handed = connection), (before = statements.length)) }, async (session) => {
      await session.lock(["user:deadline"]);
      // The transaction runs on the connection the deadline was told of.
      expect(await (session.trx as unknown as { client: { acquireConnection(): Promise<unknown> } }).client.acquireConnection()).toBe(handed);
    });
    expect(before).toBe(0);
    expect(statements.length).toBeGreaterThan(0);
  });

  it.skipIf(engine !== "mariadb")("MariaDB: READ COMMITTED is set once per connection, not per write", async () => {
    const { user } = await t.store.create(newUser("isolation-once@example.com", {}, {}), "conflict");
    const { count } = await counted(async () => {
      for (let i = 0; i < 10; i += 1) await t.store.update(user.id, (current) => ({ ...current, fields: { ...current.fields, JobTitle: `Title ${i}` } }));
    });
    const sets = statements.filter((sql) => /isolation level read committed/i.test(sql)).length;
    // One write after another gets the pool's most recently used connection back: set already.
    expect(sets).toBe(0);
    expect(count).toBe(10 * 7);
  });

  it.skipIf(engine !== "postgres")("PostgreSQL: the first lock statement also sets the write's lock_timeout", async () => {
    let setting: unknown;
    const { count } = await counted(() =>
      t.store.dialect.writeTransaction(t.store.db, WRITE_OPTIONS, async (session) => {
        await session.lock(["a", "b"]);
        setting = ((await session.trx.raw("SELECT current_setting('lock_timeout') AS t")) as { rows: { t: string }[] }).rows[0]!.t;
      }),
    );
    expect(setting).toBe("1234ms");
    expect(count).toBe(5); // BEGIN, two locks, the check, COMMIT
  });
});
