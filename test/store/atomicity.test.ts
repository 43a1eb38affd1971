import { expect, it } from "vitest";
import { MissingLookupError } from "../../src/store/store-errors.js";
import { describeEachEngine, dumpTables } from "../support/databases.js";
import { newUser, SEEDED, storeOn } from "./store-fixtures.js";

describeEachEngine("atomic writes", (engine) => {
  const t = storeOn(engine);

  it("a create refused at its last lookup leaves every table as it was", async () => {
    const before = await dumpTables(t.database.knex);
    // The department is created first, then the location is refused.
    await expect(
      t.store.create(newUser("atomic@example.com", { DepartmentID: "Created Then Undone", LocationID: "Nowhere" }, { WORK: "1" }), "conflict"),
    ).rejects.toBeInstanceOf(MissingLookupError);
    expect(await dumpTables(t.database.knex)).toEqual(before);
  });

  it("an update failing after rows, children and a new lookup were written leaves every table as it was", async () => {
    const before = await dumpTables(t.database.knex);
    await expect(
      t.store.update(SEEDED.grace, async (current) => ({
        fields: { ...current.fields, JobTitle: "Changed", DepartmentID: "Another New Dept", LocationID: "Atlantis" },
        children: { phones: { WORK: "+1 000", HOME: "+2 000" } },
      })),
    ).rejects.toBeInstanceOf(MissingLookupError);
    expect(await dumpTables(t.database.knex)).toEqual(before);
  });

  it("an updater that throws leaves the user unchanged", async () => {
    const before = await dumpTables(t.database.knex);
    await expect(
      t.store.update(SEEDED.ada, () => {
        throw new Error("computed state rejected");
      }),
    ).rejects.toThrow("computed state rejected");
    expect(await dumpTables(t.database.knex)).toEqual(before);
  });

  it("a database error mid-write (NOT NULL column cleared) rolls back the earlier statements", async () => {
    const before = await dumpTables(t.database.knex);
    await expect(
      t.store.create(newUser("notnull@example.com", { DepartmentID: "Rolled Back Dept", LastName: null }, { WORK: "1" }), "conflict"),
    ).rejects.toThrow();
    expect(await dumpTables(t.database.knex)).toEqual(before);
  });
});
