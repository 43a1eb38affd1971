import { expect, it } from "vitest";
import {
  DependentRowsError,
  DuplicateEmailError,
  MissingLookupError,
  MissingReferenceError,
} from "../../src/store/store-errors.js";
import { SqlUserStore } from "../../src/store/sql/sql-user-store.js";
import { referenceModel } from "../fixtures/reference-model.js";
import { describeEachEngine } from "../support/databases.js";
import { newUser, SEEDED, storeOn, truthy } from "./store-fixtures.js";

describeEachEngine("SqlUserStore", (engine) => {
  const t = storeOn(engine);

  it("reads a seeded user with lookup names, phones, manager and dates", async () => {
    const grace = await t.store.get(SEEDED.grace);
    expect(grace).toMatchObject({
      id: SEEDED.grace,
      fields: {
        Email: "grace.hopper@example.com",
        FirstName: "Grace",
        DepartmentID: "Engineering",
        LocationID: "Vancouver",
        SupervisorID: SEEDED.ada,
        StartDate: "2020-09-01",
        TerminationDate: null,
      },
      children: { phones: { MOBILE: "+1 604 555 0104" } },
    });
    expect(grace!.created).toEqual(new Date("2020-09-01T09:00:00Z"));
    expect(grace!.modified).toBeInstanceOf(Date);
    expect(truthy(grace!.fields.IsActive)).toBe(true);
  });

  it("returns undefined for absent and malformed ids", async () => {
    expect(await t.store.get("999999")).toBeUndefined();
    expect(await t.store.get("abc")).toBeUndefined();
    expect(await t.store.get("99999999999999")).toBeUndefined();
  });

  it("creates, reads back, updates and soft-deletes a user", async () => {
    const before = Date.now();
    const { user, adopted } = await t.store.create(newUser("crud@example.com", { MiddleName: "M" }, { WORK: "1", MOBILE: "2" }), "conflict");
    expect(adopted).toBe(false);
    expect(user.fields).toMatchObject({ Email: "crud@example.com", MiddleName: "M", DepartmentID: "Operations", LocationID: "Toronto", StartDate: "2024-02-29", SupervisorID: null });
    expect(user.children).toEqual({ phones: { WORK: "1", MOBILE: "2" } });
    expect(user.created!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await t.store.get(user.id)).toEqual(user);

    const updated = await t.store.update(user.id, (current) => ({
      fields: { ...current.fields, JobTitle: "Tester", MiddleName: null, IsActive: false },
      children: { phones: { WORK: "1b", HOME: "3" } },
    }));
    expect(updated!.fields).toMatchObject({ JobTitle: "Tester", MiddleName: null });
    expect(truthy(updated!.fields.IsActive)).toBe(false);
    expect(updated!.children.phones).toEqual({ WORK: "1b", HOME: "3" });
    expect(updated!.modified!.getTime()).toBeGreaterThanOrEqual(user.modified!.getTime());

    expect(await t.store.delete(user.id, "soft")).toBe(true);
    expect(await t.store.get(user.id)).toBeUndefined();
    expect(await t.store.findByEmail("crud@example.com")).toEqual([]);
    expect(await t.store.update(user.id, (current) => current)).toBeUndefined();
    expect(await t.store.delete(user.id, "soft")).toBe(false);
    const row = await t.database.knex("Users").where("UserID", Number(user.id)).first();
    expect(truthy(row.IsDeleted)).toBe(true);
  });

  it("writes nothing when an update changes nothing", async () => {
    const { user } = await t.store.create(newUser("unchanged@example.com"), "conflict");
    await t.database.knex("Users").where("UserID", Number(user.id)).update({ ModifiedOn: "2000-01-01 00:00:00" });
    const same = await t.store.update(user.id, (current) => ({ fields: { ...current.fields, DepartmentID: "operations" }, children: current.children }));
    expect(same!.modified).toEqual(new Date("2000-01-01T00:00:00Z"));
  });

  it("matches e-mails ignoring case and returns the legacy duplicate pair", async () => {
    const pair = await t.store.findByEmail("J.SMITH@example.COM");
    expect(pair.map((user) => user.id)).toEqual([SEEDED.john, SEEDED.jane]);
    expect((await t.store.findByEmail("ada.lovelace@EXAMPLE.com")).map((user) => user.id)).toEqual([SEEDED.ada]);
  });

  it("refuses a duplicate e-mail in any case, and cannot adopt one of a pair", async () => {
    await expect(t.store.create(newUser("ADA.Lovelace@example.com"), "conflict")).rejects.toMatchObject({
      name: "DuplicateEmailError",
      existingIds: [SEEDED.ada],
    });
    const adopting = t.store.create(newUser("j.smith@example.com"), "adopt");
    await expect(adopting).rejects.toBeInstanceOf(DuplicateEmailError);
    await expect(adopting).rejects.toMatchObject({ existingIds: [SEEDED.john, SEEDED.jane] });
  });

  it("adopts the single existing user with that e-mail", async () => {
    const { user: existing } = await t.store.create(newUser("adopt.me@example.com", { FirstName: "Old" }), "conflict");
    const { user, adopted } = await t.store.create(newUser("Adopt.Me@example.com", { FirstName: "New" }, { MOBILE: "9" }), "adopt");
    expect(adopted).toBe(true);
    expect(user.id).toBe(existing.id);
    expect(user.fields.FirstName).toBe("New");
    expect(user.children.phones).toEqual({ MOBILE: "9" });
    expect(await t.store.findByEmail("adopt.me@example.com")).toHaveLength(1);
  });

  it("refuses an update onto another live user's e-mail but allows a case change", async () => {
    const { user } = await t.store.create(newUser("mover@example.com"), "conflict");
    await expect(
      t.store.update(user.id, (current) => ({ ...current, fields: { ...current.fields, Email: "GRACE.hopper@example.com" } })),
    ).rejects.toMatchObject({ name: "DuplicateEmailError", existingIds: [SEEDED.grace] });
    const renamed = await t.store.update(user.id, (current) => ({ ...current, fields: { ...current.fields, Email: "Mover@Example.com" } }));
    expect(renamed!.fields.Email).toBe("Mover@Example.com");
  });

  it("creates a missing department but refuses a missing location, writing nothing", async () => {
    const { user } = await t.store.create(newUser("lookup@example.com", { DepartmentID: "Research & Development" }), "conflict");
    expect(user.fields.DepartmentID).toBe("Research & Development");
    expect(await t.database.knex("Departments").where("DepartmentName", "Research & Development")).toHaveLength(1);

    const again = await t.store.create(newUser("lookup2@example.com", { DepartmentID: "research & development" }), "conflict");
    expect(again.user.fields.DepartmentID).toBe("Research & Development");
    expect(await t.database.knex("Departments").where("DepartmentName", "like", "Research%")).toHaveLength(1);

    const refused = t.store.create(newUser("refused@example.com", { DepartmentID: "Brand New Dept", LocationID: "Atlantis" }), "conflict");
    await expect(refused).rejects.toBeInstanceOf(MissingLookupError);
    await expect(refused).rejects.toMatchObject({ lookup: "location", value: "Atlantis" });
    expect(await t.store.findByEmail("refused@example.com")).toEqual([]);
    expect(await t.database.knex("Departments").where("DepartmentName", "Brand New Dept")).toHaveLength(0);
  });

  it("with missing: empty writes an unknown location as NULL, adds no row, and replaces a known one", async () => {
    const leaving = new SqlUserStore(t.database.config, { ...referenceModel, lookups: referenceModel.lookups.map((l) => (l.name === "location" ? { ...l, onMissing: "empty" as const } : l)) });
    try {
      const locations = await t.database.knex("Locations").orderBy("LocationID");
      const { user } = await leaving.create(newUser("unknown.site@example.com", { LocationID: "Atlantis" }), "conflict");
      expect(user.fields.LocationID).toBeNull();
      expect(await t.database.knex("Users").where("UserID", Number(user.id)).first("LocationID")).toEqual({ LocationID: null });
      const moved = await leaving.update(user.id, (current) => ({ ...current, fields: { ...current.fields, LocationID: "toronto" } }));
      expect(moved!.fields.LocationID).toBe("Toronto");
      const away = await leaving.update(user.id, (current) => ({ ...current, fields: { ...current.fields, LocationID: "Atlantis" } }));
      expect(away!.fields.LocationID).toBeNull();
      expect(await t.database.knex("Users").where("UserID", Number(user.id)).first("LocationID")).toEqual({ LocationID: null });
      expect(await t.database.knex("Locations").orderBy("LocationID")).toEqual(locations);
    } finally {
      await leaving.close();
    }
  });

  it("clears a lookup with null", async () => {
    const { user } = await t.store.create(newUser("nolookup@example.com", { DepartmentID: null, LocationID: "" }), "conflict");
    expect(user.fields).toMatchObject({ DepartmentID: null, LocationID: null });
  });

  it("adds, changes and removes child rows", async () => {
    const { user } = await t.store.create(newUser("phones@example.com", {}, {}), "conflict");
    expect(user.children.phones).toEqual({});
    const withTwo = await t.store.update(user.id, (current) => ({ ...current, children: { phones: { WORK: "1", MOBILE: "2" } } }));
    expect(withTwo!.children.phones).toEqual({ WORK: "1", MOBILE: "2" });
    const changed = await t.store.update(user.id, (current) => ({ ...current, children: { phones: { MOBILE: "2b" } } }));
    expect(changed!.children.phones).toEqual({ MOBILE: "2b" });
    expect(await t.database.knex("UserPhones").where("UserID", Number(user.id))).toEqual([
      { UserID: Number(user.id), PhoneType: "MOBILE", Number: "2b" },
    ]);
  });

  it("sets, refuses and clears a manager (self-reference)", async () => {
    const { user } = await t.store.create(newUser("report@example.com", { SupervisorID: SEEDED.ada }), "conflict");
    expect(user.fields.SupervisorID).toBe(SEEDED.ada);
    for (const missing of ["999999", "not-a-number", "0"]) {
      await expect(
        t.store.update(user.id, (current) => ({ ...current, fields: { ...current.fields, SupervisorID: missing } })),
      ).rejects.toBeInstanceOf(MissingReferenceError);
    }
    const { user: gone } = await t.store.create(newUser("gone.manager@example.com"), "conflict");
    await t.store.delete(gone.id, "soft");
    await expect(
      t.store.update(user.id, (current) => ({ ...current, fields: { ...current.fields, SupervisorID: gone.id } })),
    ).rejects.toMatchObject({ name: "MissingReferenceError", column: "SupervisorID", value: gone.id });
    const self = await t.store.update(user.id, (current) => ({ ...current, fields: { ...current.fields, SupervisorID: user.id } }));
    expect(self!.fields.SupervisorID).toBe(user.id);
    const cleared = await t.store.update(user.id, (current) => ({ ...current, fields: { ...current.fields, SupervisorID: "" } }));
    expect(cleared!.fields.SupervisorID).toBeNull();
  });

  it("refuses a hard delete while training records point at the user, and leaves them", async () => {
    const training = await t.database.knex("TrainingRecords").where("UserID", Number(SEEDED.ada));
    await expect(t.store.delete(SEEDED.ada, "hard")).rejects.toBeInstanceOf(DependentRowsError);
    await expect(t.store.delete(SEEDED.ada, "hard")).rejects.toMatchObject({ table: "TrainingRecords", count: 2 });
    expect(await t.store.get(SEEDED.ada)).toBeDefined();
    expect(await t.database.knex("TrainingRecords").where("UserID", Number(SEEDED.ada))).toEqual(training);
  });

  it("hard-deletes a user without dependents: phones gone, reports unlinked", async () => {
    const { user: boss } = await t.store.create(newUser("boss@example.com", {}, { WORK: "5" }), "conflict");
    const { user: report } = await t.store.create(newUser("boss.report@example.com", { SupervisorID: boss.id }), "conflict");
    const trainingBefore = await t.database.knex("TrainingRecords").select("*").orderBy("RecordID");
    expect(await t.store.delete(boss.id, "hard")).toBe(true);
    expect(await t.database.knex("Users").where("UserID", Number(boss.id))).toEqual([]);
    expect(await t.database.knex("UserPhones").where("UserID", Number(boss.id))).toEqual([]);
    expect((await t.store.get(report.id))!.fields.SupervisorID).toBeNull();
    expect(await t.database.knex("TrainingRecords").select("*").orderBy("RecordID")).toEqual(trainingBefore);
    expect(await t.store.delete(boss.id, "hard")).toBe(false);
  });

  it("answers ping", async () => {
    await expect(t.store.ping()).resolves.toBeUndefined();
  });
});

describeEachEngine("hostile names from a mapping", (engine) => {
  const t = storeOn(engine);

  it("are quoted as identifiers, never run as SQL", async () => {
    const hostile = `Users"; DROP TABLE "UserPhones"; --`;
    const store = new SqlUserStore(t.database.config, { ...referenceModel, table: hostile, children: [] });
    try {
      await expect(store.find({ offset: 0, limit: 10 })).rejects.toThrow();
      await expect(store.findByEmail("x@example.com")).rejects.toThrow();
    } finally {
      await store.close();
    }
    expect(await t.database.knex("UserPhones").count({ n: "*" })).toHaveLength(1);
    expect((await t.database.knex("Users").count({ n: "*" }))[0]!.n).toBeTruthy();
  });
});
