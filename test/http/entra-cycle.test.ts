/**
 * Entra's provisioning cycle replayed over real HTTP against a real store, on every engine that
 * runs here: probe, match, create, update (both PATCH dialects), manager link, disable, enable,
 * delete (entra-scim-behaviour.md §2-5).
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { bridgeOnBackend, describeEachBackend } from "../support/backends.js";
import { entraUser } from "../support/bridge-harness.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const BIS = "urn:ietf:params:scim:schemas:extension:BIS:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

describeEachBackend("Entra provisioning cycle", (engine) => {
  const t = bridgeOnBackend(engine, { seed: true });

  const filter = (expression: string) => `/Users?filter=${encodeURIComponent(expression)}`;

  it("answers the probe for a random GUID with 200 and an empty ListResponse", async () => {
    const response = await t.bridge.request("GET", `/Users?filter=userName+eq+%22${randomUUID()}%22`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    expect(response.body).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 0,
      Resources: [],
      startIndex: 1,
      itemsPerPage: 0,
    });
  });

  it("creates, finds by every matching attribute, updates, links a manager, disables, enables and deletes", async () => {
    const email = `Jane.Doe.${engine}@Contoso.com`;
    const created = await t.bridge.request("POST", "/Users", entraUser(email));
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(id).toMatch(/^\d+$/);
    expect(created.headers.get("location")).toBe(`${t.bridge.scimUrl}/Users/${id}`);
    expect(created.body).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, BIS],
      userName: email,
      externalId: `ext-${email}`,
      active: true,
      name: { givenName: "Jane", familyName: "Doe", middleName: "Q" },
      emails: [{ type: "work", value: email, primary: true }],
      addresses: [{ type: "work", region: "AB", country: "CA", locality: "Calgary", streetAddress: "1 Main St", postalCode: "T2P 1J9" }],
      phoneNumbers: [{ type: "work", value: "+1 403 555 0100" }],
      title: "Operator",
      [ENTERPRISE]: { employeeNumber: "E-1042", department: "Operations" },
      [BIS]: { startdate: "2024-05-01T00:00:00Z" },
      meta: { resourceType: "User", location: `${t.bridge.scimUrl}/Users/${id}` },
    });
    // The reference BIS API keeps no creation time (only updatedAt), so only the tables give meta.created.
    if (engine !== "rest") expect(Date.parse(created.body.meta.created)).not.toBeNaN();
    expect(Date.parse(created.body.meta.lastModified)).not.toBeNaN();
    expect(created.body.meta.version).toMatch(/^W\/".+"$/);

    // Match: userName in another case, externalId, and the work e-mail value path.
    for (const expression of [
      `userName eq "${email.toLowerCase()}"`,
      `externalId eq "ext-${email}"`,
      `emails[type eq "work"].value eq "${email.toUpperCase()}"`,
    ]) {
      const found = await t.bridge.request("GET", filter(expression));
      expect(found.status, expression).toBe(200);
      expect(found.body.totalResults, expression).toBe(1);
      expect(found.body.Resources[0].id, expression).toBe(id);
    }

    // GET by the cached id.
    const read = await t.bridge.request("GET", `/Users/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.userName).toBe(email);

    // Update, default dialect: one capitalised op per attribute (§4.1, §3).
    const patched = await t.bridge.request("PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: "Replace", path: 'emails[type eq "work"].value', value: email },
        { op: "Replace", path: "name.familyName", value: "Doe-Smith" },
        { op: "Add", path: "title", value: "Supervisor" },
        { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: "E-2000" },
        { op: "Replace", path: 'addresses[type eq "work"].country', value: "USA" },
        { op: "Replace", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 403 555 0199" },
      ],
    });
    expect(patched.status).toBe(200);
    const afterDefault = (await t.bridge.request("GET", `/Users/${id}`)).body;
    expect(afterDefault.name.familyName).toBe("Doe-Smith");
    expect(afterDefault.title).toBe("Supervisor");
    expect(afterDefault[ENTERPRISE].employeeNumber).toBe("E-2000");
    expect(afterDefault.addresses[0].country).toBe("US");
    expect(afterDefault.phoneNumbers).toEqual(
      expect.arrayContaining([
        { type: "work", value: "+1 403 555 0100" },
        { type: "mobile", value: "+1 403 555 0199" },
      ]),
    );

    // Update, aadOptscim062020 dialect: simple attributes merged into one path-less op (§4.2).
    const flagged = await t.bridge.request("PATCH", `/Users/${id}?aadOptscim062020`, {
      schemas: [PATCH],
      Operations: [
        { op: "replace", path: 'addresses[type eq "work"].region', value: "BC" },
        {
          op: "replace",
          value: { "name.givenName": "Janet", "name.familyName": "Doe", [`${ENTERPRISE}:department`]: "Safety", [`${BIS}:terminationdate`]: "2030-12-31T00:00:00Z" },
        },
      ],
    });
    expect(flagged.status).toBe(200);
    expect(flagged.body).toMatchObject({
      name: { givenName: "Janet", familyName: "Doe" },
      addresses: [expect.objectContaining({ region: "BC" })],
      [ENTERPRISE]: { department: "Safety" },
      [BIS]: { terminationdate: "2030-12-31T00:00:00Z" },
    });

    // Manager link: a second user, then the real-traffic form (plain id string under the URN path).
    const manager = await t.bridge.request("POST", "/Users", entraUser(`boss.${engine}@contoso.com`, { externalId: "boss" }));
    expect(manager.status).toBe(201);
    const linked = await t.bridge.request("PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: "add", path: `${ENTERPRISE}:manager`, value: manager.body.id }],
    });
    expect(linked.status).toBe(200);
    expect(linked.body[ENTERPRISE].manager).toEqual({ value: manager.body.id, $ref: `${t.bridge.scimUrl}/Users/${manager.body.id}` });
    // The reference check Entra may make before updating the manager (legacy wire form).
    const check = await t.bridge.request("GET", `/Users?filter=${encodeURIComponent(`id eq ${id} and manager eq ${manager.body.id}`)}&attributes=id`);
    expect(check.status).toBe(200);
    expect(check.body.totalResults).toBe(1);
    expect(check.body.Resources[0]).toEqual({ schemas: expect.any(Array), id });
    // Legacy tutorial form, then removal.
    const legacy = await t.bridge.request("PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: "Add", path: "manager", value: [{ $ref: `${t.bridge.scimUrl}/Users/${manager.body.id}`, value: manager.body.id }] }],
    });
    expect(legacy.body[ENTERPRISE].manager.value).toBe(manager.body.id);
    const unlinked = await t.bridge.request("PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: "remove", path: `manager[value eq "${manager.body.id}"]` }],
    });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body[ENTERPRISE].manager).toBeUndefined();

    // Disable (default dialect sends the string "False"); the user stays visible.
    const disabled = await t.bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    expect(disabled.status).toBe(200);
    expect(disabled.body.active).toBe(false);
    expect((await t.bridge.request("GET", `/Users/${id}`)).body.active).toBe(false);
    expect(await t.usersWithEmail(email)).toEqual([{ id, email, active: false }]);
    expect((await t.bridge.request("GET", filter(`userName eq "${email}"`))).body.totalResults).toBe(1);
    // Flagged dialect disable, then re-enable with "True".
    expect((await t.bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: false }] })).body.active).toBe(false);
    expect((await t.bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "True" }] })).body.active).toBe(true);

    // Hard-deleted in Entra: DELETE, then the user is gone for SCIM.
    const deleted = await t.bridge.request("DELETE", `/Users/${id}`);
    expect(deleted.status).toBe(204);
    expect((await t.bridge.request("GET", `/Users/${id}`)).status).toBe(404);
    expect((await t.bridge.request("GET", filter(`userName eq "${email}"`))).body.totalResults).toBe(0);
    expect((await t.bridge.request("DELETE", `/Users/${id}`)).status).toBe(404);
    expect(await t.usersWithEmail(email)).toEqual([]);
    if (t.db) {
      // Soft delete (the SQL reference mapping): the row is still in BIS, flagged.
      const row = await t.db.knex("Users").where("UserID", Number(id)).first();
      expect(Number(row.IsDeleted)).toBe(1);
    }
  });

  it("answers 404 with a SCIM error for an unknown id, numeric or not", async () => {
    for (const id of ["999999", "not-a-number", "5d48a0a8e9f04aa38008"]) {
      const response = await t.bridge.request("GET", `/Users/${id}`);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "404" });
      expect(response.body.detail).toContain(id);
    }
  });

  it("pages with startIndex and count as the gallery validator does", async () => {
    for (let i = 0; i < 11; i++) {
      expect((await t.bridge.request("POST", "/Users", entraUser(`page${i}.${engine}@contoso.com`))).status).toBe(201);
    }
    const all = await t.bridge.request("GET", "/Users?startIndex=1&count=1000");
    const total = all.body.totalResults;
    expect(total).toBeGreaterThanOrEqual(11);
    const seen: string[] = [];
    for (let page = 0; page * 5 < total; page++) {
      const response = await t.bridge.request("GET", `/Users?startIndex=${page * 5 + 1}&count=5`);
      expect(response.body.startIndex).toBe(page * 5 + 1);
      expect(response.body.totalResults).toBe(total);
      expect(response.body.itemsPerPage).toBe(response.body.Resources.length);
      seen.push(...response.body.Resources.map((r: { id: string }) => r.id));
    }
    expect(seen).toEqual(all.body.Resources.map((r: { id: string }) => r.id));
    expect(new Set(seen).size).toBe(total);
    const countOnly = await t.bridge.request("GET", "/Users?count=0");
    expect(countOnly.body).toMatchObject({ totalResults: total, Resources: [], itemsPerPage: 0 });
  });
});
