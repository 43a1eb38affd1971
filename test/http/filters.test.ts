/**
 * Filters through HTTP: the RFC 7644 grammar translated into indexed SQL, and a precise
 * 400 invalidFilter for what the mapping cannot filter on or no index can serve.
 */
import { beforeAll, expect, it } from "vitest";
import { describeEachEngine } from "../support/databases.js";
import { bridgeOn, entraUser } from "../support/bridge-harness.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describeEachEngine("filters", (engine) => {
  const t = bridgeOn(engine, { seed: false });
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    for (const [key, email, employeeNumber, active] of [
      ["ann", "ann@alpha.com", "A-1", true],
      ["bob", "bob@alpha.com", "B-2", false],
      ["cat", "cat@beta.org", "C-3", true],
    ] as const) {
      const response = await t.bridge.request("POST", "/Users", entraUser(email, { externalId: `ext-${key}`, active, [ENTERPRISE]: { employeeNumber } }));
      expect(response.status).toBe(201);
      ids[key] = response.body.id;
    }
  });

  async function matches(expression: string): Promise<string[]> {
    const response = await t.bridge.request("GET", `/Users?filter=${encodeURIComponent(expression)}`);
    expect(response.status, `${expression}: ${JSON.stringify(response.body)}`).toBe(200);
    const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
    return response.body.Resources.map((r: { id: string }) => byId[r.id]).sort();
  }

  it.each([
    ['userName eq "ANN@alpha.com"', ["ann"]],
    ['userName sw "b"', ["bob"]],
    ['userName gt "b" and userName lt "c"', ["bob"]],
    ['userName ge "bob@alpha.com"', ["bob", "cat"]],
    ['userName le "ann@alpha.com"', ["ann"]],
    ['userName sw "a" or userName sw "c"', ["ann", "cat"]],
    ['userName sw "a" and userName ew "alpha.com"', ["ann"]],
    ['userName sw "" and userName co "beta"', ["cat"]],
    ['userName sw "" and not (userName co "alpha")', ["cat"]],
    ['userName sw "" and userName ne "bob@alpha.com"', ["ann", "cat"]],
    ['userName sw "" and active eq false', ["bob"]],
    ['(userName eq "ann@alpha.com" or userName eq "cat@beta.org") and active eq true', ["ann", "cat"]],
    ['externalId eq "ext-cat"', ["cat"]],
    ['externalId eq "EXT-CAT"', []],
    [`${ENTERPRISE}:employeeNumber eq "B-2"`, ["bob"]],
    ['emails[type eq "work"].value eq "cat@beta.org"', ["cat"]],
    ['emails[type eq "work" and value eq "cat@beta.org"]', ["cat"]],
    ['emails[type eq "home"].value eq "cat@beta.org"', []],
    ['emails.value eq "CAT@beta.org"', ["cat"]],
    ['userName eq "nobody@nowhere.com"', []],
    ['userName EQ "ann@alpha.com" AND active EQ true', ["ann"]],
  ])("%s", async (expression, expected) => {
    expect(await matches(expression)).toEqual(expected);
  });

  it("matches by id, and id with manager as Entra's reference check does", async () => {
    expect(await matches(`id eq "${ids.bob}"`)).toEqual(["bob"]);
    expect(await matches(`id eq "${ids.bob}" and manager eq "${ids.ann}"`)).toEqual([]);
    expect(await matches(`id eq "not-a-number"`)).toEqual([]);
  });

  it.each([
    ['title eq "Operator"', "title is not filterable"],
    ['name.givenName eq "Jane"', "name.givenName is not filterable"],
    ['nickName eq "x"', "nickName is not mapped"],
    ['userName co "alpha"', "cannot be served by an index"],
    ['userName eq "ann@alpha.com" or active eq true', "cannot be served by an index"],
    ['not (userName eq "ann@alpha.com")', "cannot be served by an index"],
    ["active eq true", "cannot be served by an index"],
    ['userName eq "unterminated', "invalidFilter"],
    ['userName xx "a"', "invalidFilter"],
    ['(userName eq "a"', "invalidFilter"],
  ])("refuses %s with 400 invalidFilter", async (expression, detail) => {
    const response = await t.bridge.request("GET", `/Users?filter=${encodeURIComponent(expression)}`);
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe("invalidFilter");
    if (detail !== "invalidFilter") expect(response.body.detail).toContain(detail);
  });

  it("decodes Entra's wire forms: + for spaces and %22 for quotes, and an unquoted legacy value", async () => {
    const plus = await t.bridge.request("GET", "/Users?filter=userName+eq+%22ann%40alpha.com%22");
    expect(plus.body.Resources.map((r: { id: string }) => r.id)).toEqual([ids.ann]);
    const legacy = await t.bridge.request("GET", "/Users?filter=externalId+eq+ext-ann");
    expect(legacy.body.Resources.map((r: { id: string }) => r.id)).toEqual([ids.ann]);
  });

  it("applies attributes and excludedAttributes to list results", async () => {
    const only = await t.bridge.request("GET", `/Users?filter=${encodeURIComponent('userName eq "ann@alpha.com"')}&attributes=userName,${ENTERPRISE}:employeeNumber`);
    expect(only.body.Resources[0]).toEqual({
      schemas: expect.any(Array),
      id: ids.ann,
      userName: "ann@alpha.com",
      [ENTERPRISE]: { employeeNumber: "A-1" },
    });
    const without = await t.bridge.request("GET", `/Users/${ids.ann}?excludedAttributes=addresses,phoneNumbers,meta`);
    expect(without.body.addresses).toBeUndefined();
    expect(without.body.phoneNumbers).toBeUndefined();
    expect(without.body.meta).toBeUndefined();
    expect(without.body.userName).toBe("ann@alpha.com");
  });
});
