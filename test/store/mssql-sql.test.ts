/**
 * SQL Server's T-SQL asserted as text: the statements the store emits (through knex's real mssql
 * compiler) with `@pN` placeholders and their bindings. The per-engine suites run the same store
 * on Babelfish (a TDS/T-SQL server); these tests pin SQL Server's own form where Babelfish would
 * accept or refuse something SQL Server does not (docs/sql-server.md), and run without a server.
 * Where the store must run (create), SQL Server is replaced by the recording double in
 * mssql-double.ts; nothing else in the test suite uses a double.
 */
import knexFactory from "knex";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError } from "../../src/store/store-errors.js";
import { applyCondition } from "../../src/store/sql/condition-sql.js";
import { liveUsersWithEmail } from "../../src/store/sql/email-match.js";
import { liveUsers } from "../../src/store/sql/user-rows.js";
import { applockQuery, BisMssqlClient, mssqlDialect } from "../../src/store/sql/engines/mssql.js";
import { SqlUserStore } from "../../src/store/sql/sql-user-store.js";
import { referenceModel } from "../fixtures/reference-model.js";
import { recordingMssql, tediousRows } from "./mssql-double.js";
import { newUser } from "./store-fixtures.js";

const offline = knexFactory({ client: "mssql" });
/** "@p1, @p2, ..., @pN": T-SQL's numbered parameters from `first`, `count` of them. */
const parameters = (first: number, count: number) => Array.from({ length: count }, (_, i) => `@p${first + i}`).join(", ");

describe("SQL Server statements", () => {
  it("finds users by e-mail with a plain (collation case-insensitive) comparison, asked for the mailbox's identity", () => {
    const query = liveUsersWithEmail(offline, referenceModel, mssqlDialect, "Jane@Example.com").select("u.UserID").toSQL().toNative();
    const spellings = query.bindings.slice(1);
    expect(query.sql).toBe(
      `select [u].[UserID] from [Users] as [u] where ([u].[IsDeleted] is null or [u].[IsDeleted] = @p0) and [u].[Email] is not null and [u].[Email] IN (${parameters(1, spellings.length)})`,
    );
    // The identity, and the white space legacy rows keep around it (SQL Server ignores only trailing spaces).
    expect(query.bindings[0]).toBe(false);
    expect(spellings).toEqual(expect.arrayContaining(["jane@example.com", " jane@example.com", "\tjane@example.com", "jane@example.com\r\n"]));
    expect(spellings.every((s) => String(s).trim() === "jane@example.com")).toBe(true);
  });

  it("compares a caseExact attribute (externalId) byte-wise beside the indexable comparison", () => {
    const query = liveUsers(offline, referenceModel, mssqlDialect);
    applyCondition(
      query,
      { kind: "compare", field: { kind: "column", column: "AzureObjectId" }, op: "eq", value: "Obj-1", ignoreCase: false, caseExact: true },
      { model: referenceModel, dialect: mssqlDialect },
    );
    const native = query.select("u.UserID").toSQL().toNative();
    expect(native.sql).toBe(
      "select [u].[UserID] from [Users] as [u] where ([u].[IsDeleted] is null or [u].[IsDeleted] = @p0) and [u].[AzureObjectId] is not null and ([u].[AzureObjectId] = @p1) AND ([u].[AzureObjectId] COLLATE Latin1_General_100_BIN2 = @p2)",
    );
    expect(native.bindings).toEqual([false, "Obj-1", "Obj-1"]);
  });

  it("compares a date or other non-text attribute without a collation (SQL Server refuses COLLATE on DATE)", () => {
    const query = liveUsers(offline, referenceModel, mssqlDialect);
    applyCondition(query, { kind: "compare", field: { kind: "column", column: "StartDate" }, op: "gt", value: "2019-01-07", ignoreCase: false, caseExact: false }, { model: referenceModel, dialect: mssqlDialect });
    const native = query.select("u.UserID").toSQL().toNative();
    expect(native.sql).toBe(
      "select [u].[UserID] from [Users] as [u] where ([u].[IsDeleted] is null or [u].[IsDeleted] = @p0) and [u].[StartDate] is not null and [u].[StartDate] > @p1",
    );
    expect(native.sql).not.toContain("COLLATE");
  });

  it("sends a consultant's stored-procedure create with its named parameters as @pN", () => {
    const native = offline.raw("EXEC dbo.usp_CreateUser @Email = :Email, @FirstName = :FirstName", { Email: "a@b.c", FirstName: "Ann" }).toSQL().toNative();
    expect(native.sql).toBe("EXEC dbo.usp_CreateUser @Email = @p0, @FirstName = @p1");
    expect(native.bindings).toEqual(["a@b.c", "Ann"]);
  });

  it("takes the e-mail lock with sp_getapplock owned by the transaction", () => {
    const query = applockQuery(offline, "email:jane@example.com", 10_000).toSQL().toNative();
    expect(query.sql).toBe(
      "DECLARE @result int; EXEC @result = sp_getapplock @Resource = @p0, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = @p1; SELECT @result AS result;",
    );
    expect(query.bindings).toEqual(["bis-scim-bridge:email:jane@example.com", 10_000]);
  });

  it("hashes lock keys longer than sp_getapplock's 255 characters", () => {
    const [resource] = applockQuery(offline, `email:${"x".repeat(300)}@example.com`, 1).toSQL().toNative().bindings;
    expect(String(resource)).toMatch(/^bis-scim-bridge:sha256:[0-9a-f]{64}$/);
  });

  it("create: lock, duplicate check, lookups (existing: read without a lock), insert with SCOPE_IDENTITY(), phones, in that order", async () => {
    const { db, statements } = recordingMssql((sql) => {
      if (sql.includes("sp_getapplock")) return [{ result: 0 }];
      if (sql.startsWith("select [DepartmentID], [DepartmentName] from [Departments]")) return [{ DepartmentID: 3, DepartmentName: "Operations" }];
      if (sql.startsWith("select [LocationID], [LocationName] from [Locations]")) return [{ LocationID: 1, LocationName: "Toronto" }];
      if (sql.includes("insert into [Users]")) return [{ UserID: 42 }];
      if (sql.includes("from [Users] as [u] left join")) return [{ UserID: 42, Email: "New@Example.com" }];
      return [];
    });
    const store = new SqlUserStore(db, referenceModel, mssqlDialect);
    const { user } = await store.create(newUser("New@Example.com"), "conflict");
    expect(user.id).toBe("42");

    expect(statements.map((statement) => statement.sql)).toEqual([
      "DECLARE @result int; EXEC @result = sp_getapplock @Resource = @p0, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = @p1; SELECT @result AS result;",
      expect.stringMatching(/^select \[u\]\.\[UserID\], \[u\]\.\[Email\] from \[Users\] as \[u\] where \(\[u\]\.\[IsDeleted\] is null or \[u\]\.\[IsDeleted\] = @p0\) and \[u\]\.\[Email\] is not null and \[u\]\.\[Email\] IN \(@p1, .*\) order by \[u\]\.\[UserID\] asc$/),
      // Both lookup names exist: read without a lock, so creates naming one department do not queue.
      expect.stringMatching(/^select \[DepartmentID\], \[DepartmentName\] from \[Departments\] where \[DepartmentName\] IN \(@p0, .*\) order by \[DepartmentID\] asc$/),
      expect.stringMatching(/^select \[LocationID\], \[LocationName\] from \[Locations\] where \[LocationName\] IN \(@p0, .*\) order by \[LocationID\] asc$/),
      // The key this INSERT made, in the same batch: trigger-safe, and no temporary table.
      "insert into [Users] ([CountryCode], [CreatedOn], [DepartmentID], [Email], [EmployeeNo], [FirstName], [IsActive], [IsDeleted], [LastName], [LocationID], [ModifiedOn], [Province], [StartDate]) " +
        "values (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12); SELECT SCOPE_IDENTITY() AS [UserID]",
      "insert into [UserPhones] ([Number], [PhoneType], [UserID]) values (@p0, @p1, @p2)",
      // The new user read back once; its phones are the ones just inserted, not read again.
      expect.stringMatching(/^select \[u\]\.\[UserID\], .* from \[Users\] as \[u\] left join \[Departments\] as \[lookup_0\] .* where .* and \[u\]\.\[UserID\] = @p1$/),
    ]);
    expect(statements[0]!.bindings).toEqual(["bis-scim-bridge:email:new@example.com", 10_000]);
    expect(statements[1]!.bindings.slice(0, 2)).toEqual([false, "new@example.com"]);
    expect(statements[2]!.bindings[0]).toBe("operations");
    const [country, created, ...rest] = statements[4]!.bindings;
    expect(country).toBe("CA");
    expect(created).toBeInstanceOf(Date);
    expect(rest).toEqual([3, "New@Example.com", "E2001", "Test", true, false, "User", 1, created, "ON", "2024-02-29"]);
    expect(statements[5]!.bindings).toEqual(["+1 555 0100", "WORK", 42]);
    await store.close();
  });

  it("create: a missing department is read, locked, read again under the lock, then inserted", async () => {
    const { db, statements } = recordingMssql((sql) => {
      if (sql.includes("sp_getapplock")) return [{ result: 0 }];
      if (sql.startsWith("select [LocationID], [LocationName] from [Locations]")) return [{ LocationID: 1, LocationName: "Toronto" }];
      if (sql.includes("insert into [Departments]")) return [{ DepartmentID: 7 }];
      if (sql.includes("insert into [Users]")) return [{ UserID: 42 }];
      if (sql.includes("from [Users] as [u] left join")) return [{ UserID: 42, Email: "New@Example.com" }];
      return [];
    });
    const store = new SqlUserStore(db, referenceModel, mssqlDialect);
    await store.create(newUser("New@Example.com", { DepartmentID: "Research" }), "conflict");

    const department = expect.stringMatching(/^select \[DepartmentID\], \[DepartmentName\] from \[Departments\] where \[DepartmentName\] IN \(@p0, .*\) order by \[DepartmentID\] asc$/);
    expect(statements.slice(2, 7).map((statement) => statement.sql)).toEqual([
      department,
      "DECLARE @result int; EXEC @result = sp_getapplock @Resource = @p0, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = @p1; SELECT @result AS result;",
      department,
      "insert into [Departments] ([DepartmentName]) values (@p0); SELECT SCOPE_IDENTITY() AS [DepartmentID]",
      expect.stringMatching(/^select \[LocationID\], \[LocationName\] from \[Locations\] where \[LocationName\] IN \(@p0, .*\) order by \[LocationID\] asc$/),
    ]);
    expect(statements[3]!.bindings).toEqual(["bis-scim-bridge:lookup:Departments:research", 10_000]);
    expect(statements[5]!.bindings).toEqual(["Research"]);
    expect(statements[7]!.sql).toContain("insert into [Users]");
    expect(statements[7]!.bindings[2]).toBe(7);
    await store.close();
  });

  it("find: count, then a page with OFFSET/FETCH, LIKE wildcards kept literal as T-SQL's one-character classes", async () => {
    const { db, statements } = recordingMssql((sql) => (sql.startsWith("select count(*)") ? [{ total: 30 }] : []));
    const store = new SqlUserStore(db, referenceModel, mssqlDialect);
    const department = { kind: "lookup", lookup: "department" } as const;
    await store.find({ where: { kind: "compare", field: department, op: "co", value: "ops[1]_%", ignoreCase: true }, offset: 10, limit: 5 });
    const where =
      "where ([u].[IsDeleted] is null or [u].[IsDeleted] = @p0) and exists (select 1 from [Departments] as [lk] " +
      "where [lk].[DepartmentID] = [u].[DepartmentID] and [lk].[DepartmentName] LIKE @p1)";
    expect(statements[0]).toEqual({ sql: `select count(*) as [total] from [Users] as [u] ${where}`, bindings: [false, "%ops[[]1][_][%]%"] });
    expect(statements[1]!.sql).toMatch(/^select \[u\]\.\[UserID\], /);
    expect(statements[1]!.sql).toContain(`${where} order by [u].[UserID] asc offset @p2 rows fetch next @p3 rows only`);
    expect(statements[1]!.bindings).toEqual([false, "%ops[[]1][_][%]%", 10, 5]);
    await store.close();
  });

  it("turns a lock timeout (-1) into BackendUnavailableError and retries a deadlock victim (-3)", async () => {
    let answers = [-3, 0];
    const { db, statements } = recordingMssql((sql) => {
      if (sql.includes("sp_getapplock")) return [{ result: answers.shift() ?? -1 }];
      return [];
    });
    const store = new SqlUserStore(db, referenceModel, mssqlDialect);
    // -3 then granted: retried; the e-mail is free, the department is missing, and its lock times out (-1).
    await expect(store.create(newUser("x@example.com"), "conflict")).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(statements.filter((statement) => statement.sql.includes("sp_getapplock")).length).toBe(3);
    answers = [];
    await store.close();
  });

  it("returns DATE columns as YYYY-MM-DD", () => {
    const client = new BisMssqlClient({ client: "mssql" });
    const response = tediousRows([{ StartDate: new Date("2024-02-29T00:00:00Z"), CreatedOn: new Date("2024-02-29T10:00:00Z") }], {
      StartDate: "Date",
      CreatedOn: "DateTime2",
    });
    const [row] = client.processResponse({ response, method: "select" } as never, undefined) as Record<string, unknown>[];
    expect(row).toEqual({ StartDate: "2024-02-29", CreatedOn: new Date("2024-02-29T10:00:00Z") });
  });
});

describe("SQL Server's job lock (one replica runs a scheduled job)", () => {
  const TRY = "DECLARE @r int; EXEC @r = sp_getapplock @Resource = @p0, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0; SELECT @r AS ok";

  it("takes a session app lock without waiting, and releases it on the same connection when the job is done", async () => {
    const { db, statements } = recordingMssql((sql) => (sql.includes("sp_getapplock") ? [{ ok: 0 }] : []));
    const held = await mssqlDialect.tryExclusiveLock!(db, "termination-dates");
    expect(held).toBeDefined();
    await held!.release();
    expect(statements).toEqual([
      { sql: TRY, bindings: [expect.stringMatching(/termination-dates$/)] },
      { sql: "EXEC sp_releaseapplock @Resource = @p0, @LockOwner = 'Session'", bindings: [statements[0].bindings[0]] },
    ]);
    await db.destroy();
  });

  it("skips the run when another replica holds the lock (sp_getapplock answers -1), releasing nothing", async () => {
    const { db, statements } = recordingMssql((sql) => (sql.includes("sp_getapplock") ? [{ ok: -1 }] : []));
    expect(await mssqlDialect.tryExclusiveLock!(db, "reconciliation")).toBeUndefined();
    expect(statements.map((s) => s.sql)).toEqual([TRY]);
    await db.destroy();
  });
});
