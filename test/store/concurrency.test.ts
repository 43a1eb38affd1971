import { afterAll, beforeAll, expect, it } from "vitest";
import { BackendUnavailableError, DuplicateEmailError } from "../../src/store/store-errors.js";
import { SqlUserStore } from "../../src/store/sql/sql-user-store.js";
import { referenceModel } from "../fixtures/reference-model.js";
import { createTestDatabase, describeEachEngine, type TestDatabase } from "../support/databases.js";
import { newUser } from "./store-fixtures.js";

describeEachEngine("concurrent writes", (engine) => {
  let database: TestDatabase;
  /** Three stores with their own pools: as three bridge processes on one BIS database. */
  let stores: SqlUserStore[];

  beforeAll(async () => {
    database = await createTestDatabase(engine, { seed: true });
    stores = [0, 1, 2].map(() => new SqlUserStore(database.config, referenceModel));
  });
  afterAll(async () => {
    await Promise.all(stores?.map((store) => store.close()) ?? []);
    await database?.drop();
  });

  it("20 parallel creates of one e-mail through 3 pools make exactly one user", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        stores[index % 3]!.create(newUser(index % 2 ? "race@example.com" : "RACE@example.com", { EmployeeNo: `R${index}`, DepartmentID: "Race Dept" }), "conflict"),
      ),
    );
    const created = results.filter((result) => result.status === "fulfilled");
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(19);
    for (const failure of refused) expect(failure.reason).toBeInstanceOf(DuplicateEmailError);
    expect(await database.knex("Users").whereRaw("lower(??) = ?", ["Email", "race@example.com"])).toHaveLength(1);
    expect(await database.knex("Departments").where("DepartmentName", "Race Dept")).toHaveLength(1);
  });

  it("parallel adopts of one e-mail update the single user", async () => {
    const { user } = await stores[0]!.create(newUser("adopt.race@example.com"), "conflict");
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, index) =>
        stores[index % 3]!.create(newUser("adopt.race@example.com", { JobTitle: `T${index}` }), "adopt"),
      ),
    );
    expect(results.every((result) => result.adopted && result.user.id === user.id)).toBe(true);
    expect(await stores[1]!.findByEmail("adopt.race@example.com")).toHaveLength(1);
  });

  it("parallel creates of new department names through 3 pools make one row per name", async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        stores[index % 3]!.create(newUser(`dept${index}@example.com`, { DepartmentID: index % 2 ? "Shared New" : "shared new" }), "conflict"),
      ),
    );
    // Case-insensitive lookup match: every user got the one row, spelled as its creator wrote it.
    expect(new Set(results.map((result) => result.user.fields.DepartmentID)).size).toBe(1);
    expect(await database.knex("Departments").whereRaw("lower(??) = ?", ["DepartmentName", "shared new"])).toHaveLength(1);
  });

  it("a writer waiting past lockTimeoutMs gets BackendUnavailableError; the holder still commits", async () => {
    const { user } = await stores[0]!.create(newUser("held@example.com"), "conflict");
    const impatient = new SqlUserStore({ ...database.config, lockTimeoutMs: 300 }, referenceModel);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    try {
      const holder = stores[1]!.update(user.id, async (current) => {
        entered();
        await gate;
        return { ...current, fields: { ...current.fields, JobTitle: "Holder" } };
      });
      await holding;
      await expect(
        impatient.update(user.id, (current) => ({ ...current, fields: { ...current.fields, JobTitle: "Impatient" } })),
      ).rejects.toBeInstanceOf(BackendUnavailableError);
      release();
      expect((await holder)!.fields.JobTitle).toBe("Holder");
    } finally {
      release();
      await impatient.close();
    }
  });
});
