/**
 * A second BIS REST API, shaped unlike the reference one (test/support/people-api-server.ts:
 * string ids, offset paging, PUT updates, its own status call, RFC 9457 problems, a duplicate
 * e-mail answered 422 without an id, `Authorization: ApiKey`), provisioned through a real bridge
 * with nothing but its mapping (test/fixtures/people-api.yaml) and its store config.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entraUser, ROOT, startTestBridge, type TestBridge } from "../support/bridge-harness.js";
import { PeopleApiServer, type Person } from "../support/people-api-server.js";

const MAPPING = path.join(ROOT, "test/fixtures/people-api.yaml");
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const API_KEY = "people-api-key-0123456789";

const filter = (expression: string) => `/Users?filter=${encodeURIComponent(expression)}`;

describe("a second, differently shaped BIS REST API, mapped with YAML only", () => {
  let server: PeopleApiServer;
  let bridge: TestBridge;
  beforeAll(async () => {
    server = await new PeopleApiServer(API_KEY).start();
    bridge = await startTestBridge({
      store: { engine: "rest", baseUrl: server.url, auth: { kind: "apiKey", header: "Authorization", prefix: "ApiKey ", key: API_KEY } },
      mapping: MAPPING,
      // No health probe paging the API in the middle of the calls these tests count.
      jobs: { backendProbe: { enabled: false } },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await server?.stop();
  });

  /** The calls the API received since `from`, as "METHOD /path". */
  const callsSince = (from: number) => server.requests.slice(from).map((r) => `${r.method} ${r.path}`);

  it("is served as strictly as described, so the bridge cannot pass by using the reference API's ways", async () => {
    const call = async (method: string, path: string, body?: unknown, key = API_KEY) => {
      const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `ApiKey ${key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: await response.json().catch(() => undefined) };
    };
    expect((await call("GET", "/v2/people", undefined, "wrong")).status).toBe(401);
    expect((await call("GET", "/v2/people?page=1&pageSize=50")).status).toBe(400);
    expect((await call("GET", "/v2/people?offset=0&limit=51")).status).toBe(400);
    const made = await call("POST", "/v2/people", { mail: "strict@x.com", givenName: "S", surname: "T", country: "CA" });
    expect(made).toMatchObject({ status: 201, body: { enabled: true, org: { title: null } } });
    expect((await call("PATCH", `/v2/people/${made.body.id}`, { surname: "U" })).status).toBe(405);
    expect((await call("PUT", `/v2/people/${made.body.id}`, { ...made.body, enabled: false })).body.errors).toEqual([{ pointer: "#/enabled", detail: "is changed only through PUT /v2/people/{id}/status" }]);
    expect((await call("PUT", `/v2/people/${made.body.id}`, { mail: "strict@x.com" })).body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(["#/givenName", "#/surname", "#/country"]);
    expect((await call("POST", "/v2/people", { mail: "STRICT@x.com", givenName: "S", surname: "T", country: "CA" })).status).toBe(422);
    expect((await call("DELETE", `/v2/people/${made.body.id}`)).status).toBe(200);
    expect(server.people.size).toBe(0);
  });

  it("runs Entra's whole cycle: probe, create, match, both PATCH dialects, manager, disable, enable, delete", async () => {
    const start = server.requests.length;
    const probe = await bridge.request("GET", filter(`userName eq "${randomUUID()}"`));
    expect(probe.status).toBe(200);
    expect(probe.body).toMatchObject({ totalResults: 0, Resources: [] });

    const email = "Jane.Doe@Contoso.com";
    const created = await bridge.request("POST", "/Users", entraUser(email));
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect(id).toMatch(/^per_[0-9a-f]+$/);
    expect(created.body).toMatchObject({ userName: email, active: true, externalId: `ext-${email}`, title: "Operator", [ENTERPRISE]: { employeeNumber: "E-1042", department: "Operations" } });
    expect(Date.parse(created.body.meta.created)).not.toBeNaN();
    expect(server.people.get(id)).toEqual<Person>({
      id,
      mail: email,
      givenName: "Jane",
      surname: "Doe",
      org: { title: "Operator", department: "Operations", costCenter: null },
      country: "CA",
      phone: "+14035550100",
      personnelNo: "E-1042",
      entraId: `ext-${email}`,
      managerId: null,
      enabled: true,
      created: expect.any(String),
      lastChanged: expect.any(String),
    });
    // BIS's own UI fills a field the bridge does not map: a full-replace PUT must keep it.
    server.people.get(id)!.org.costCenter = "CC-7";

    // Matching, through the API's own search parameters and offset paging.
    const before = server.requests.length;
    for (const expression of [
      `userName eq "${email.toLowerCase()}"`,
      `externalId eq "ext-${email}"`,
      `emails[type eq "work"].value eq "${email.toUpperCase()}"`,
      `${ENTERPRISE}:employeeNumber eq "E-1042"`,
    ]) {
      const found = await bridge.request("GET", filter(expression));
      expect(found.status, expression).toBe(200);
      expect(found.body.Resources.map((r: { id: string }) => r.id), expression).toEqual([id]);
    }
    expect(server.requests.slice(before).map((r) => r.query)).toEqual([
      { mail: email.toLowerCase(), offset: "0", limit: "50" },
      { oid: `ext-${email}`, offset: "0", limit: "50" },
      // The e-mail is searched for by its identity (lower case, trimmed, NFC), whatever the filter's spelling.
      { mail: email.toLowerCase(), offset: "0", limit: "50" },
      { staffNumber: "E-1042", offset: "0", limit: "50" },
    ]);

    // Default dialect: capitalised ops with paths. The API has no PATCH: the bridge PUTs the whole record.
    let from = server.requests.length;
    const patched = await bridge.request("PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: "Replace", path: "name.familyName", value: "Doe-Smith" },
        { op: "Add", path: "title", value: "Supervisor" },
        { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: "E-2000" },
        { op: "Replace", path: 'addresses[type eq "work"].country', value: "USA" },
        { op: "Replace", path: 'phoneNumbers[type eq "work"].value', value: "(403) 555-0199" },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: { familyName: "Doe-Smith" }, title: "Supervisor", addresses: [{ type: "work", country: "US" }] });
    expect(callsSince(from)).toEqual([`GET /v2/people/${id}`, `PUT /v2/people/${id}`]);
    expect(server.people.get(id)).toMatchObject({ surname: "Doe-Smith", personnelNo: "E-2000", country: "US", phone: "+14035550199", org: { title: "Supervisor", department: "Operations", costCenter: "CC-7" } });

    // aadOptscim062020 dialect: a path-less Replace whose value object names several attributes.
    const flagged = await bridge.request("PATCH", `/Users/${id}?aadOptscim062020`, {
      schemas: [PATCH],
      Operations: [{ op: "replace", value: { "name.givenName": "Janet", [`${ENTERPRISE}:department`]: "Safety", title: null } }],
    });
    expect(flagged.status).toBe(200);
    expect(flagged.body).toMatchObject({ name: { givenName: "Janet", familyName: "Doe-Smith" }, [ENTERPRISE]: { department: "Safety" } });
    expect(flagged.body.title).toBeUndefined();
    expect(server.people.get(id)).toMatchObject({ givenName: "Janet", surname: "Doe-Smith", org: { title: null, department: "Safety", costCenter: "CC-7" }, enabled: true });

    // Manager: another person, linked by its string id.
    const boss = await bridge.request("POST", "/Users", entraUser("boss@contoso.com", { externalId: "boss" }));
    expect(boss.status).toBe(201);
    const linked = await bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "add", path: `${ENTERPRISE}:manager`, value: boss.body.id }] });
    expect(linked.status).toBe(200);
    expect(linked.body[ENTERPRISE].manager.value).toBe(boss.body.id);
    expect(server.people.get(id)!.managerId).toBe(boss.body.id);

    // Disable through the API's status call (PUT /status, 204 without a body), then enable.
    from = server.requests.length;
    const disabled = await bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    expect(disabled.status).toBe(200);
    expect(disabled.body.active).toBe(false);
    expect(server.requests.slice(from).filter((r) => r.method !== "GET")).toEqual([{ method: "PUT", path: `/v2/people/${id}/status`, query: {}, body: { enabled: false } }]);
    expect(server.people.get(id)).toMatchObject({ enabled: false, givenName: "Janet", managerId: boss.body.id, org: { costCenter: "CC-7" } });
    const stillFound = await bridge.request("GET", filter(`userName eq "${email}"`));
    expect(stillFound.body.Resources).toMatchObject([{ id, active: false }]);
    const enabled = await bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "True" }] });
    expect(enabled.body.active).toBe(true);
    expect(server.people.get(id)!.enabled).toBe(true);

    // Delete: gone from the API and for SCIM; a second DELETE is a 404.
    expect((await bridge.request("DELETE", `/Users/${id}`)).status).toBe(204);
    expect(server.people.has(id)).toBe(false);
    expect((await bridge.request("GET", `/Users/${id}`)).status).toBe(404);
    expect((await bridge.request("GET", filter(`userName eq "${email}"`))).body.totalResults).toBe(0);
    expect((await bridge.request("DELETE", `/Users/${id}`)).status).toBe(404);
    expect(server.requests.slice(start).some((r) => r.method === "PATCH")).toBe(false);
  });

  it("answers 409 naming the existing person when the API refuses a taken e-mail with 422 and no id", async () => {
    const email = "race@contoso.com";
    let theirs: string | undefined;
    // BIS's own UI creates the person between the bridge's look-up and its POST.
    server.beforeCreate = () => {
      server.beforeCreate = undefined;
      theirs = "per_fromtheui";
      const now = new Date().toISOString();
      server.people.set(theirs, { id: theirs, mail: email.toUpperCase(), givenName: "R", surname: "Ace", org: { title: null, department: null, costCenter: null }, country: "CA", phone: null, personnelNo: null, entraId: null, managerId: null, enabled: true, created: now, lastChanged: now });
    };
    const response = await bridge.request("POST", "/Users", entraUser(email));
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ scimType: "uniqueness" });
    expect(response.body.detail).toContain("per_fromtheui");
    expect([...server.people.values()].filter((p) => p.mail.toLowerCase() === email)).toHaveLength(1);
  });

  it("turns the API's 422 problems into SCIM 400s naming the attribute, also when 422 is its duplicate status", async () => {
    const count = server.people.size;
    // The mapping lets titles of 100 characters through; this API keeps 40.
    const created = await bridge.request("POST", "/Users", entraUser("long.title@contoso.com", { title: "T".repeat(60) }));
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ scimType: "invalidValue" });
    expect(created.body.detail).toBe("BIS refused the values: title: is longer than 40 characters");
    expect(server.people.size).toBe(count);

    const person = await bridge.request("POST", "/Users", entraUser("short.title@contoso.com"));
    const updated = await bridge.request("PUT", `/Users/${person.body.id}`, entraUser("short.title@contoso.com", { title: "T".repeat(60) }));
    expect(updated.status).toBe(400);
    expect(updated.body.detail).toContain("title: is longer than 40 characters");
    expect(server.people.get(person.body.id)!.org.title).toBe("Operator");

    // A manager id the API does not know: the attribute is named in Entra's terms.
    const manager = await bridge.request("PATCH", `/Users/${person.body.id}`, { schemas: [PATCH], Operations: [{ op: "add", path: `${ENTERPRISE}:manager`, value: "per_nobody" }] });
    expect(manager.status).toBe(400);
    expect(manager.body.detail).toContain(`${ENTERPRISE}:manager`);
    expect(server.people.get(person.body.id)!.managerId).toBeNull();
  });

  it("answers 409 with the API's own reason when it keeps a person, and pages with offset and limit", async () => {
    const kept = await bridge.request("POST", "/Users", entraUser("kept@contoso.com"));
    server.withAssignments.add(kept.body.id);
    const refused = await bridge.request("DELETE", `/Users/${kept.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("the person has open assignments");
    expect(server.people.has(kept.body.id)).toBe(true);

    for (let i = 0; i < 4; i++) expect((await bridge.request("POST", "/Users", entraUser(`page${i}@contoso.com`))).status).toBe(201);
    const all = await bridge.request("GET", "/Users?startIndex=1&count=1000");
    expect(all.body.totalResults).toBe(server.people.size);
    expect(all.body.Resources.map((r: { id: string }) => r.id).sort()).toEqual([...server.people.keys()].sort());
    const from = server.requests.length;
    const window = await bridge.request("GET", "/Users?startIndex=3&count=2");
    expect(window.body).toMatchObject({ totalResults: server.people.size, startIndex: 3, itemsPerPage: 2 });
    expect(window.body.Resources.map((r: { id: string }) => r.id)).toEqual(all.body.Resources.slice(2, 4).map((r: { id: string }) => r.id));
    expect(server.requests.slice(from).map((r) => r.query)).toEqual([{ offset: "2", limit: "2" }]);
  });

  it("refuses a bridge whose key the API does not accept with 503, never with the key in the answer", async () => {
    const wrong = await startTestBridge({
      store: { engine: "rest", baseUrl: server.url, auth: { kind: "apiKey", header: "Authorization", prefix: "ApiKey ", key: "wrong-key-0123456789" } },
      mapping: MAPPING,
    });
    try {
      const response = await wrong.request("GET", filter('userName eq "a@b.c"'));
      expect(response.status).toBe(503);
      expect(JSON.stringify(response.body)).not.toContain("wrong-key-0123456789");
      expect(wrong.logs.text()).toContain("check store.auth");
      expect(wrong.logs.text()).not.toContain("wrong-key-0123456789");
    } finally {
      await wrong.close();
    }
  });
});
