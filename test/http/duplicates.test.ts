/**
 * userName is BIS's e-mail: matched case-insensitively, and a create never adds a second user
 * with an e-mail BIS already has — also when Entra's creates race, in one or several bridges.
 */
import { expect, it } from "vitest";
import { bridgeOnBackend, describeEachBackend } from "../support/backends.js";
import { describeEachEngine } from "../support/databases.js";
import { bridgeOn, entraUser, startTestBridge } from "../support/bridge-harness.js";
import { mappingVariant } from "../support/mapping-variant.js";


describeEachBackend("no duplicate BIS users", (engine) => {
  const t = bridgeOnBackend(engine, { seed: true });

  const rowsWithEmail = (email: string) => t.usersWithEmail(email);

  it("answers 409 uniqueness naming the existing id, whatever the case of the e-mail", async () => {
    const first = await t.bridge.request("POST", "/Users", entraUser("dup@contoso.com"));
    expect(first.status).toBe(201);
    const second = await t.bridge.request("POST", "/Users", entraUser("DUP@Contoso.COM", { externalId: "someone-else" }));
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ status: "409", scimType: "uniqueness" });
    expect(second.body.detail).toContain(`BIS user ${first.body.id}`);
    expect(await rowsWithEmail("dup@contoso.com")).toHaveLength(1);
  });

  it("refuses a userName change onto another user's e-mail", async () => {
    const a = await t.bridge.request("POST", "/Users", entraUser("rename-a@contoso.com"));
    const b = await t.bridge.request("POST", "/Users", entraUser("rename-b@contoso.com"));
    const response = await t.bridge.request("PATCH", `/Users/${b.body.id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "Replace", path: "userName", value: "Rename-A@contoso.com" }],
    });
    expect(response.status).toBe(409);
    expect(response.body.detail).toContain(`BIS user ${a.body.id}`);
    expect((await t.bridge.request("GET", `/Users/${b.body.id}`)).body.userName).toBe("rename-b@contoso.com");
  });

  it("returns every legacy duplicate for a userName filter, and logs it", async () => {
    const { email, ids } = await t.legacyDuplicates();
    const response = await t.bridge.request("GET", `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`);
    expect(response.body.totalResults).toBe(ids.length);
    expect(response.body.Resources.map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());
    expect(t.bridge.logs.entries.some((e) => e.message === "BIS holds several users with one e-mail")).toBe(true);
    // Creating one more is refused too, naming both.
    const create = await t.bridge.request("POST", "/Users", entraUser(email.toUpperCase()));
    expect(create.status).toBe(409);
    for (const id of ids) expect(create.body.detail).toContain(String(id));
  });

  it("creates exactly one user when 20 creates of one e-mail race through one bridge", async () => {
    const email = `race-one.${engine}@contoso.com`;
    const responses = await Promise.all(Array.from({ length: 20 }, () => t.bridge.request("POST", "/Users", entraUser(email))));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(19);
    expect(await rowsWithEmail(email)).toHaveLength(1);
  });

  it("creates exactly one user when creates race through three bridges on one database", async () => {
    const others = await Promise.all([t.startBridge(), t.startBridge()]);
    try {
      const bridges = [t.bridge, ...others];
      const email = `race-many.${engine}@contoso.com`;
      const responses = await Promise.all(
        Array.from({ length: 24 }, (_, i) => bridges[i % 3].request("POST", "/Users", entraUser(i % 2 ? email : email.toUpperCase()))),
      );
      expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
      expect(responses.filter((r) => r.status === 409)).toHaveLength(23);
      expect(await rowsWithEmail(email)).toHaveLength(1);
    } finally {
      await Promise.all(others.map((b) => b.close()));
    }
  });

  it("with duplicates: adopt, takes over the existing user and answers 201 with its id", async () => {
    const adopting = await t.startBridge((yaml) => yaml.replace("duplicates: conflict", "duplicates: adopt"));
    try {
      const existing = await t.bridge.request("POST", "/Users", entraUser("adopt-me@contoso.com", { externalId: undefined, title: "Old title" }));
      const adopted = await adopting.request("POST", "/Users", entraUser("Adopt-Me@contoso.com", { externalId: "entra-object-1", title: "New title" }));
      expect(adopted.status).toBe(201);
      expect(adopted.body.id).toBe(existing.body.id);
      expect(adopted.body).toMatchObject({ externalId: "entra-object-1", title: "New title" });
      expect(await rowsWithEmail("adopt-me@contoso.com")).toHaveLength(1);
    } finally {
      await adopting.close();
    }
  });
});

const EMPLOYEE_NUMBER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber";

const matchingMapping = (duplicates: "conflict" | "adopt") =>
  mappingVariant((yaml) => yaml.replace("duplicates: conflict", `duplicates: ${duplicates}\n  attributes: [userName, '${EMPLOYEE_NUMBER}']`));

describeEachEngine("matching on several attributes, in precedence", (engine) => {
  const t = bridgeOn(engine, { seed: false, mapping: matchingMapping("conflict") });
  const withNumber = (email: string, number: string) => entraUser(email, { [EMPLOYEE_NUMBER.replace(/:employeeNumber$/, "")]: { employeeNumber: number } });

  it("refuses a create whose e-mail is new but whose employee number exists, naming the attribute", async () => {
    const first = await t.bridge.request("POST", "/Users", withNumber("first@contoso.com", "EMP-7"));
    expect(first.status).toBe(201);
    const second = await t.bridge.request("POST", "/Users", withNumber("renamed@contoso.com", "emp-7"));
    expect(second.status).toBe(409);
    expect(second.body.detail).toBe(`${EMPLOYEE_NUMBER} "emp-7" is already used by BIS user ${first.body.id}`);
  });

  it("creates exactly one user when creates with one employee number and different e-mails race", async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => t.bridge.request("POST", "/Users", withNumber(`racer${i}@contoso.com`, "EMP-RACE"))));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(11);
    expect(await t.db.knex("Users").where("EmployeeNo", "EMP-RACE")).toHaveLength(1);
  });

  it("with adopt, takes over the user an employee number finds", async () => {
    const adopting = await startTestBridge({ store: t.db.config, mapping: matchingMapping("adopt") });
    try {
      const existing = await t.bridge.request("POST", "/Users", withNumber("old.address@contoso.com", "EMP-9"));
      const adopted = await adopting.request("POST", "/Users", withNumber("new.address@contoso.com", "EMP-9"));
      expect(adopted.status).toBe(201);
      expect(adopted.body).toMatchObject({ id: existing.body.id, userName: "new.address@contoso.com" });
      expect(await t.db.knex("Users").where("EmployeeNo", "EMP-9")).toHaveLength(1);
    } finally {
      await adopting.close();
    }
  });
});
