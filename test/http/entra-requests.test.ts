/**
 * The remaining request forms of entra-scim-behaviour.md §2-5, each replayed as Entra sends it,
 * plus PUT, the hard-delete policy and a BIS outage.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dumpTables } from "../support/databases.js";
import { bridgeOn, entraUser, startTestBridge, type TestBridge } from "../support/bridge-harness.js";
import { mappingVariant } from "../support/mapping-variant.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

describe("Entra's other request forms", () => {
  const t = bridgeOn("sqlite", { seed: true });

  const create = async (email: string, overrides: Record<string, unknown> = {}) => {
    const response = await t.bridge.request("POST", "/Users", entraUser(email, overrides));
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const patch = (id: string, Operations: unknown[]) => t.bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations });

  it("accepts the legacy create sample: explicit nulls, a malformed enterprise URN, \"True\" as a string", async () => {
    const response = await t.bridge.request("POST", "/Users", {
      ...entraUser("legacy@contoso.com"),
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
      active: "True",
      title: null,
      phoneNumbers: null,
    });
    expect(response.status).toBe(201);
    expect(response.body.active).toBe(true);
    expect(response.body.title).toBeUndefined();
    expect(response.body.phoneNumbers).toBeUndefined();
  });

  it("takes Add on active as a replace (deprovisioning seen in the wild)", async () => {
    const id = await create("add-active@contoso.com");
    const response = await patch(id, [{ op: "Add", path: "active", value: "False" }]);
    expect(response.status).toBe(200);
    expect(response.body.active).toBe(false);
  });

  it("accepts a single-value Add of an attribute BIS does not keep, and leaves BIS as it was", async () => {
    const id = await create("nick@contoso.com");
    const before = await dumpTables(t.db.knex);
    for (const op of ["Add", "add"]) {
      const response = await patch(id, [{ op, path: "nickName", value: "Babs" }]);
      expect(response.status).toBe(200);
    }
    expect(await dumpTables(t.db.knex)).toEqual(before);
  });

  it("accepts Entra's roles PATCH with a JSON string inside value", async () => {
    const id = await create("roles@contoso.com");
    const response = await patch(id, [{ op: "Add", path: "roles", value: [{ value: '{"id":"7c1e","value":"25","displayName":"Role1234"}' }] }]);
    expect(response.status).toBe(200);
  });

  it("replaces a work e-mail and userName in the default dialect", async () => {
    const id = await create("old-name@contoso.com");
    const response = await patch(id, [
      { op: "Replace", path: "userName", value: "new-name@contoso.com" },
      { op: "Replace", path: 'emails[type eq "work"].value', value: "new-name@contoso.com" },
      { op: "Replace", path: "displayName", value: "New Name" },
      { op: "Replace", path: "externalId", value: "moved" },
    ]);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ userName: "new-name@contoso.com", externalId: "moved", emails: [{ type: "work", value: "new-name@contoso.com" }] });
  });

  it("clears optional attributes with \"\" and null (Microsoft's null-update test), keeping required ones", async () => {
    const id = await create("nulls@contoso.com");
    const response = await patch(id, [
      { op: "Replace", path: "title", value: "" },
      { op: "Replace", path: 'phoneNumbers[type eq "work"].value', value: null },
      { op: "Replace", path: `${ENTERPRISE}:department`, value: "" },
    ]);
    expect(response.status).toBe(200);
    const read = (await t.bridge.request("GET", `/Users/${id}`)).body;
    expect(read.title).toBeUndefined();
    expect(read.phoneNumbers).toBeUndefined();
    expect(read[ENTERPRISE].department).toBeUndefined();
    const phones = await t.db.knex("UserPhones").where("UserID", Number(id));
    expect(phones).toEqual([]);
  });

  it("soft-deletes a user with training records, leaving the records as they were", async () => {
    const [{ UserID }] = await t.db.knex("TrainingRecords").select("UserID").limit(1);
    const records = await t.db.knex("TrainingRecords").orderBy("RecordID");
    expect((await t.bridge.request("DELETE", `/Users/${UserID}`)).status).toBe(204);
    expect((await t.bridge.request("GET", `/Users/${UserID}`)).status).toBe(404);
    expect(await t.db.knex("TrainingRecords").orderBy("RecordID")).toEqual(records);
    expect(Number((await t.db.knex("Users").where("UserID", UserID).first()).IsDeleted)).toBe(1);
  });

  it("answers a no-op PATCH without writing", async () => {
    const id = await create("noop@contoso.com");
    const before = await dumpTables(t.db.knex);
    const response = await patch(id, [{ op: "Replace", path: "name.givenName", value: "Jane" }]);
    expect(response.status).toBe(200);
    expect(await dumpTables(t.db.knex)).toEqual(before);
  });

  it("replaces a whole user with PUT, clearing what the body leaves out", async () => {
    const id = await create("put@contoso.com");
    const body = entraUser("put@contoso.com", { title: undefined, phoneNumbers: undefined, name: { givenName: "Put", familyName: "Person" } });
    const response = await t.bridge.request("PUT", `/Users/${id}`, body);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id, name: { givenName: "Put", familyName: "Person" } });
    expect(response.body.title).toBeUndefined();
    expect(response.body.phoneNumbers).toBeUndefined();
    const missing = await t.bridge.request("PUT", "/Users/999999", body);
    expect(missing.status).toBe(404);
    const invalid = await t.bridge.request("PUT", `/Users/${id}`, entraUser("put@contoso.com", { name: { givenName: "Put" } }));
    expect(invalid).toMatchObject({ status: 400, body: { scimType: "invalidValue" } });
  });

  it("refuses a PATCH with a bad op, path or read-only target, naming it", async () => {
    const id = await create("badpatch@contoso.com");
    const cases: [unknown, number, string, string][] = [
      [[{ op: "Delete", path: "title" }], 400, "invalidSyntax", "Operations[0].op"],
      [[{ op: "Replace", path: "titel", value: "x" }], 400, "invalidPath", "titel"],
      [[{ op: "Replace", path: "id", value: "7" }], 400, "mutability", "id"],
      [[{ op: "Remove" }], 400, "noTarget", "path"],
    ];
    for (const [operations, status, scimType, detail] of cases) {
      const response = await patch(id, operations as unknown[]);
      expect(response.status).toBe(status);
      expect(response.body.scimType).toBe(scimType);
      expect(response.body.detail).toContain(detail);
    }
    const noSchema = await t.bridge.request("PATCH", `/Users/${id}`, { Operations: [{ op: "Replace", path: "title", value: "x" }] });
    expect(noSchema).toMatchObject({ status: 400, body: { scimType: "invalidSyntax" } });
  });
});

describe("the hard-delete policy", () => {
  const mapping = mappingVariant((yaml) =>
    yaml.replace("delete: soft", "delete: hard"),
  );
  const t = bridgeOn("sqlite", { seed: true, mapping });

  it("removes the row of a user without training records", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("hard@contoso.com"));
    expect((await t.bridge.request("DELETE", `/Users/${created.body.id}`)).status).toBe(204);
    expect(await t.db.knex("Users").where("UserID", Number(created.body.id))).toEqual([]);
    expect(await t.db.knex("UserPhones").where("UserID", Number(created.body.id))).toEqual([]);
    expect((await t.bridge.request("GET", `/Users/${created.body.id}`)).status).toBe(404);
  });

  it("refuses with 409 while BIS keeps training records for the user, and touches nothing", async () => {
    const [{ UserID }] = await t.db.knex("TrainingRecords").select("UserID").limit(1);
    const before = await dumpTables(t.db.knex);
    const response = await t.bridge.request("DELETE", `/Users/${UserID}`);
    expect(response.status).toBe(409);
    expect(response.body.detail).toMatch(/TrainingRecords/);
    expect(await dumpTables(t.db.knex)).toEqual(before);
  });
});

describe("transforms and value maps in a mapping", () => {
  const mapping = mappingVariant((yaml) =>
    yaml
      .replace("child: phones, type: WORK, maxLength: 40", "child: phones, type: WORK, maxLength: 40, transform: phone-e164, defaultCountry: CA")
      .replace("{ scim: title, column: JobTitle, maxLength: 150 }", "{ scim: title, column: JobTitle, maxLength: 150, values: { Operator: OP, Supervisor: SUP } }"),
  );
  const t = bridgeOn("sqlite", { seed: true, mapping });

  it("stores E.164 phones and mapped values, and answers the SCIM values", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("transformed@contoso.com", { phoneNumbers: [{ type: "work", value: "(403) 555-0100" }] }));
    expect(created.status).toBe(201);
    expect(created.body.title).toBe("Operator");
    expect(created.body.phoneNumbers).toEqual([{ type: "work", value: "+14035550100" }]);
    const row = await t.db.knex("Users").where("UserID", Number(created.body.id)).first();
    expect(row.JobTitle).toBe("OP");
    expect(await t.db.knex("UserPhones").where("UserID", Number(created.body.id)).select("Number")).toEqual([{ Number: "+14035550100" }]);
  });

  it("refuses a value outside the map, naming the allowed ones", async () => {
    const response = await t.bridge.request("POST", "/Users", entraUser("unmapped@contoso.com", { title: "Janitor" }));
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe('title must be one of "Operator", "Supervisor", not "Janitor"');
  });
});

describe("defaults and constants in a mapping", () => {
  const mapping = mappingVariant((yaml) =>
    yaml
      .replace("  - { scim: title, column: JobTitle, maxLength: 150 }\n", "")
      .replace("column: Province, required: true, maxLength: 100", "column: Province, required: true, maxLength: 100, default: 'N/A'")
      .replace("dependents:", "constants:\n  - { column: JobTitle, value: Provisioned by Entra }\n\ndependents:"),
  );
  const t = bridgeOn("sqlite", { seed: true, mapping });

  it("fills a missing value with its default and writes constants on every write, unseen by Entra", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("constant@contoso.com", { addresses: [{ type: "work", country: "CA" }] }));
    expect(created.status).toBe(201);
    expect(created.body.addresses).toEqual([{ type: "work", region: "N/A", country: "CA" }]);
    expect(created.body.title).toBeUndefined();
    const row = await t.db.knex("Users").where("UserID", Number(created.body.id)).first();
    expect(row).toMatchObject({ Province: "N/A", JobTitle: "Provisioned by Entra" });
    await t.db.knex("Users").where("UserID", Number(created.body.id)).update({ JobTitle: "Changed in BIS" });
    await t.bridge.request("PATCH", `/Users/${created.body.id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Replace", path: "name.givenName", value: "Con" }] });
    expect((await t.db.knex("Users").where("UserID", Number(created.body.id)).first()).JobTitle).toBe("Provisioned by Entra");
  });
});

describe("the deactivate delete policy", () => {
  const mapping = mappingVariant((yaml) =>
    yaml.replace("delete: soft", "delete: deactivate"),
  );
  const t = bridgeOn("sqlite", { seed: true, mapping });

  it("disables the user and sets its termination date to today, keeping it visible and its records", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("leaver@contoso.com"));
    const records = await t.db.knex("TrainingRecords").orderBy("RecordID");
    expect((await t.bridge.request("DELETE", `/Users/${created.body.id}`)).status).toBe(204);
    const read = await t.bridge.request("GET", `/Users/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.active).toBe(false);
    expect(read.body["urn:ietf:params:scim:schemas:extension:BIS:2.0:User"].terminationdate).toBe(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const row = await t.db.knex("Users").where("UserID", Number(created.body.id)).first();
    expect([Number(row.IsActive), Number(row.IsDeleted)]).toEqual([0, 0]);
    expect(await t.db.knex("TrainingRecords").orderBy("RecordID")).toEqual(records);
    expect((await t.bridge.request("DELETE", "/Users/999999")).status).toBe(404);
  });
});

describe("when BIS cannot be reached", () => {
  const t = {} as { bridge: TestBridge };

  beforeAll(async () => {
    // Nothing listens on port 9 (discard) here: every connection is refused at once.
    t.bridge = await startTestBridge({ store: { engine: "postgres", url: "postgres://bridge:secret-password@127.0.0.1:9/bis" } });
  });
  afterAll(async () => {
    await t.bridge?.close();
  });

  it("answers 503 with Retry-After, without leaking the connection string, and /readyz says not ready", async () => {
    for (const [method, url, body] of [
      ["GET", "/Users?filter=userName+eq+%22a%40b.c%22", undefined],
      ["POST", "/Users", entraUser("down@contoso.com")],
      ["GET", "/Users/1", undefined],
    ] as const) {
      const response = await t.bridge.request(method, url, body);
      expect(response.status).toBe(503);
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(JSON.stringify(response.body)).not.toContain("secret-password");
    }
    expect(t.bridge.logs.text()).not.toContain("secret-password");
    const ready = await fetch(`${t.bridge.scimUrl.replace(/\/scim\/v2$/, "")}/readyz`);
    expect(ready.status).toBe(503);
    const metrics = await (await fetch(`${t.bridge.scimUrl.replace(/\/scim\/v2$/, "")}/metrics`)).text();
    expect(metrics).toMatch(/bis_bridge_backend_errors_total\{reason="unavailable"\} 3/);
  });
});
