/**
 * Filters through HTTP: the RFC 7644 grammar translated into indexed SQL, or into BIS REST API
 * lookups (eq on id and on fields with a search parameter, refined by the rest of the filter),
 * and a precise 400 invalidFilter for what the mapping cannot filter on or the backend cannot
 * serve without a scan.
 */
import { beforeAll, expect, it } from "vitest";
import { bridgeOnBackend, describeEachBackend } from "../support/backends.js";
import { entraUser } from "../support/bridge-harness.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describeEachBackend("filters", (engine) => {
  const t = bridgeOnBackend(engine, { seed: false });
  const sql = engine !== "rest";
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

  // Every backend: eq on the indexed (searchable) attributes, refined by the rest of the filter.
  it.each([
    ['userName eq "ANN@alpha.com"', ["ann"]],
    ['userName eq "bob@alpha.com" and active eq false', ["bob"]],
    ['userName eq "bob@alpha.com" and active eq true', []],
    ['userName eq "ann@alpha.com" or userName eq "cat@beta.org"', ["ann", "cat"]],
    ['(userName eq "ann@alpha.com" or userName eq "cat@beta.org") and active eq true', ["ann", "cat"]],
    ['(userName eq "ann@alpha.com" or externalId eq "ext-bob") and active eq true', ["ann"]],
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

  // SQL: an index also serves prefixes and ranges.
  it.runIf(sql).each([
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
  ])("%s", async (expression, expected) => {
    expect(await matches(expression)).toEqual(expected);
  });

  // REST: BIS's API looks users up by exact values only; it is never paged through instead.
  it.runIf(!sql)("answers an eq filter with one search call, the rest of the filter checked on its answer", async () => {
    const calls = t.apiCalls!();
    expect(await matches('userName eq "ann@alpha.com" and active eq true')).toEqual(["ann"]);
    expect(t.apiCalls!()).toBe(calls + 1);
  });

  it.runIf(!sql).each([
    'userName sw "a"',
    'userName gt "b" and userName lt "c"',
    'userName eq "ann@alpha.com" or userName sw "c"',
  ])("refuses %s with 400 invalidFilter, calling BIS for nothing", async (expression) => {
    const calls = t.apiCalls!();
    const response = await t.bridge.request("GET", `/Users?filter=${encodeURIComponent(expression)}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ scimType: "invalidFilter", detail: expect.stringContaining("the BIS API finds users only by") });
    expect(t.apiCalls!()).toBe(calls);
  });

  it("matches by id, and id with manager as Entra's reference check does", async () => {
    expect(await matches(`id eq "${ids.bob}"`)).toEqual(["bob"]);
    expect(await matches(`id eq "${ids.bob}" and manager eq "${ids.ann}"`)).toEqual([]);
    expect(await matches(`id eq "not-a-number"`)).toEqual([]);
  });

  it.each([
    ['title eq "Operator"', "title is mapped to BIS but not filterable: the mapping does not mark it filter: indexed (BIS has no index for it"],
    ['name.givenName eq "Jane"', "name.givenName is mapped to BIS but not filterable"],
    ['meta.lastModified gt "2024-01-01T00:00:00Z"', "meta.lastModified is answered from BIS's"],
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
