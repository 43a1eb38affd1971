/**
 * Bad input gets a precise SCIM error (status, scimType, detail naming the attribute and rule)
 * and changes nothing in BIS.
 */
import { expect, it } from "vitest";
import { bridgeOnBackend, describeEachBackend } from "../support/backends.js";
import { entraUser } from "../support/bridge-harness.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const BIS = "urn:ietf:params:scim:schemas:extension:BIS:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

describeEachBackend("request validation", (engine) => {
  const t = bridgeOnBackend(engine, { seed: true });

  /** Everything BIS holds, so a test can prove a refused request wrote nothing. */
  const snapshot = () => t.snapshot();

  async function expectRefused(body: unknown, scimType: string, ...detailParts: (string | RegExp)[]) {
    const before = await snapshot();
    const response = await t.bridge.request("POST", "/Users", body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "400", scimType });
    for (const part of detailParts) expect(response.body.detail).toMatch(part);
    expect(await snapshot()).toEqual(before);
  }

  it.each([
    ["userName", { userName: undefined }, "userName is required"],
    ["active", { active: undefined }, "active is required"],
    ["name.givenName", { name: { familyName: "Doe" } }, "name.givenName is required"],
    ["name.familyName", { name: { givenName: "Jane" } }, "name.familyName is required"],
    ["employeeNumber", { [ENTERPRISE]: { department: "Ops" } }, `${ENTERPRISE}:employeeNumber is required`],
    ["work region", { addresses: [{ type: "work", country: "CA" }] }, 'addresses[type eq "work"].region is required'],
    ["work country", { addresses: [{ type: "work", region: "AB" }] }, 'addresses[type eq "work"].country is required'],
    ["a home address only", { addresses: [{ type: "home", region: "AB", country: "CA" }] }, 'addresses[type eq "work"].region is required'],
  ])("refuses a user without %s", async (_name, override, detail) => {
    await expectRefused(entraUser("missing@contoso.com", override), "invalidValue", detail);
  });

  it("names every missing attribute in one answer", async () => {
    await expectRefused({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "x@contoso.com" }, "invalidValue", "active is required", "name.givenName is required", /employeeNumber is required/);
  });

  it.each(["Canada", "XX", "C", "CANADA"])("refuses country %j, naming ISO 3166-1", async (country) => {
    await expectRefused(entraUser("c@contoso.com", { addresses: [{ type: "work", region: "AB", country }] }), "invalidValue", 'addresses[type eq "work"].country', "ISO 3166-1");
  });

  it.each(["2024-02-30", "01/05/2024", "tomorrow"])("refuses start date %j", async (startdate) => {
    await expectRefused(entraUser("d@contoso.com", { [BIS]: { startdate } }), "invalidValue", `${BIS}:startdate`);
  });

  it("refuses values longer than their BIS column", async () => {
    await expectRefused(entraUser("l@contoso.com", { title: "x".repeat(151) }), "invalidValue", "title is 151 characters long; BIS allows at most 150");
  });

  it("refuses wrong JSON types, naming the attribute", async () => {
    await expectRefused(entraUser("t@contoso.com", { active: "maybe" }), "invalidValue", /^active:/);
    await expectRefused(entraUser("t@contoso.com", { name: { givenName: 42, familyName: "Doe" } }), "invalidValue", "name.givenName");
    await expectRefused(entraUser("t@contoso.com", { emails: "t@contoso.com" }), "invalidValue", "emails");
  });

  // The reference BIS API takes the location as free text: only the tables have a lookup to refuse from.
  it.skipIf(engine === "rest")("refuses a location BIS does not know where the mapping says missing: refuse, inside the transaction", async () => {
    const refusing = await t.startBridge((yaml) => yaml.replace("name: LocationName,   missing: empty }", "name: LocationName,   missing: refuse }"));
    try {
      const before = await snapshot();
      const response = await refusing.request("POST", "/Users", entraUser("loc@contoso.com", { [ENTERPRISE]: { employeeNumber: "L-1", department: "Brand New Dept" }, [BIS]: { location: "Atlantis" } }));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ scimType: "invalidValue", detail: expect.stringMatching(/BIS:2\.0:User:location: "Atlantis" is not a known location in BIS/) });
      // The department the request would have created is gone with the refusal.
      expect(await snapshot()).toEqual(before);
    } finally {
      await refusing.close();
    }
  });

  it("refuses a manager id that is no BIS user", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("has-manager@contoso.com"));
    const before = await snapshot();
    const response = await t.bridge.request("PATCH", `/Users/${created.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: "add", path: `${ENTERPRISE}:manager`, value: "987654" }],
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ scimType: "invalidValue" });
    expect(response.body.detail).toContain(`${ENTERPRISE}:manager`);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses malformed JSON and non-objects with invalidSyntax", async () => {
    const broken = await t.bridge.request("POST", "/Users", '{"userName": ');
    expect(broken).toMatchObject({ status: 400, body: { scimType: "invalidSyntax" } });
    const array = await t.bridge.request("POST", "/Users", "[1,2]");
    expect(array).toMatchObject({ status: 400, body: { scimType: "invalidSyntax" } });
  });

  it("refuses a PATCH that would remove a required attribute, writing nothing", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("patchreq@contoso.com"));
    const before = await snapshot();
    const response = await t.bridge.request("PATCH", `/Users/${created.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: "Remove", path: "name.givenName" }, { op: "Replace", path: "title", value: "Changed" }],
    });
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain("name.givenName is required");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses bad paging parameters", async () => {
    const response = await t.bridge.request("GET", "/Users?count=ten");
    expect(response).toMatchObject({ status: 400, body: { scimType: "invalidValue" } });
    expect(response.body.detail).toContain("count");
  });
});
