/** Bearer auth, health endpoints and the discovery documents Entra reads. */
import { describe, expect, it } from "vitest";
import { bridgeOn, TEST_TOKEN } from "../support/bridge-harness.js";

describe("auth, health and discovery", () => {
  const ROTATED = "next-token-abcdefghijklmnop";
  // Many deliberate failures below: lift the guessing throttle (tested in hardening.test.ts).
  const t = bridgeOn("sqlite", { seed: true, tokens: `${TEST_TOKEN},${ROTATED}`, server: { failedAuthLimit: { max: 1000, windowSeconds: 60 } } });

  it.each([
    ["no header", {}],
    ["a wrong token", { authorization: "Bearer wrong-token-0123456789abcdef" }],
    ["a token differing in one character", { authorization: `Bearer ${TEST_TOKEN.slice(0, -1)}X` }],
    ["a prefix of the token", { authorization: `Bearer ${TEST_TOKEN.slice(0, 8)}` }],
    ["basic auth", { authorization: `Basic ${Buffer.from(`x:${TEST_TOKEN}`).toString("base64")}` }],
  ])("refuses %s with 401, a SCIM body and WWW-Authenticate", async (_name, headers) => {
    for (const path of ["/Users", "/Users/1", "/Schemas", "/ServiceProviderConfig", "/ResourceTypes"]) {
      const response = await fetch(`${t.bridge.scimUrl}${path}`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="bis-scim-bridge"/);
      expect(response.headers.get("content-type")).toMatch(/^application\/scim\+json/);
      const body = await response.json();
      expect(body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "401" });
    }
  });

  it("accepts every configured token, so a token can be rotated without downtime", async () => {
    for (const token of [TEST_TOKEN, ROTATED]) {
      const response = await fetch(`${t.bridge.scimUrl}/Users?count=1`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
    }
  });

  it("never writes a token into the log", async () => {
    await fetch(`${t.bridge.scimUrl}/Users`, { headers: { authorization: "Bearer leaked-candidate-token-xyz" } });
    await t.bridge.request("GET", "/Users?count=1");
    expect(t.bridge.logs.entries.length).toBeGreaterThan(0);
    expect(t.bridge.logs.text()).not.toContain(TEST_TOKEN);
    expect(t.bridge.logs.text()).not.toContain("leaked-candidate-token-xyz");
  });

  it("serves /healthz and /readyz without a token", async () => {
    const base = t.bridge.scimUrl.replace(/\/scim\/v2$/, "");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });

  it("publishes ServiceProviderConfig with PATCH and filtering, no bulk, sort or etag", async () => {
    const response = await t.bridge.request("GET", "/ServiceProviderConfig");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
      patch: { supported: true },
      filter: { supported: true, maxResults: 1000 },
      bulk: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [expect.objectContaining({ type: "oauthbearertoken" })],
    });
  });

  it("publishes the User resource type with the enterprise and BIS extensions, required where the mapping requires one of their attributes", async () => {
    const response = await t.bridge.request("GET", "/ResourceTypes");
    expect(response.body.Resources).toEqual([
      expect.objectContaining({
        id: "User",
        endpoint: "/Users",
        schema: "urn:ietf:params:scim:schemas:core:2.0:User",
        schemaExtensions: [
          // employeeNumber is required by the reference mapping; nothing in the BIS extension is.
          { schema: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", required: true },
          { schema: "urn:ietf:params:scim:schemas:extension:BIS:2.0:User", required: false },
        ],
      }),
    ]);
    expect((await t.bridge.request("GET", "/ResourceTypes/User")).body.id).toBe("User");
    expect((await t.bridge.request("GET", "/ResourceTypes/Group")).status).toBe(404);
  });

  it("publishes /Schemas as a ListResponse of mapped attributes only, BIS's required ones marked, no nulls", async () => {
    const response = await t.bridge.request("GET", "/Schemas");
    expect(response.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]);
    expect(JSON.stringify(response.body)).not.toContain("null");
    const byId = Object.fromEntries(response.body.Resources.map((s: { id: string }) => [s.id, s]));
    const core = byId["urn:ietf:params:scim:schemas:core:2.0:User"];
    const attribute = (schema: { attributes: { name: string }[] }, name: string) => schema.attributes.find((a) => a.name === name) as any;
    expect(attribute(core, "userName")).toMatchObject({ type: "string", required: true, caseExact: false, uniqueness: "server", mutability: "readWrite" });
    expect(attribute(core, "active")).toMatchObject({ type: "boolean", required: true });
    expect(attribute(core, "title")).toMatchObject({ required: false });
    expect(attribute(core, "nickName")).toBeUndefined();
    expect(attribute(core, "addresses").subAttributes.map((s: { name: string }) => s.name).sort()).toEqual(
      ["country", "locality", "postalCode", "primary", "region", "streetAddress", "type"].sort(),
    );
    expect(attribute(core, "addresses").subAttributes.find((s: { name: string }) => s.name === "country").required).toBe(true);
    // A POST without them is refused, so discovery says they are required (RFC 7643 section 7).
    expect(attribute(core, "name")).toMatchObject({ required: true });
    expect(attribute(core, "addresses")).toMatchObject({ required: true });
    expect(attribute(core, "phoneNumbers")).toMatchObject({ required: false });
    // The login is written from userName: emails are answered, accepted from Entra and dropped.
    expect(attribute(core, "emails")).toMatchObject({ mutability: "readOnly" });
    expect(attribute(core, "emails").subAttributes.every((s: { mutability: string }) => s.mutability === "readOnly")).toBe(true);
    expect(attribute(core, "addresses").subAttributes.find((s: { name: string }) => s.name === "primary").mutability).toBe("readOnly");
    expect(attribute(core, "addresses").subAttributes.find((s: { name: string }) => s.name === "region").mutability).toBe("readWrite");
    expect(attribute(core, "phoneNumbers").subAttributes.find((s: { name: string }) => s.name === "type").canonicalValues).toEqual(["work", "mobile"]);
    const bis = byId["urn:ietf:params:scim:schemas:extension:BIS:2.0:User"];
    expect(bis.attributes.map((a: { name: string }) => a.name)).toEqual(["location", "startdate", "terminationdate"]);
    expect(attribute(bis, "startdate").type).toBe("dateTime");
    const enterprise = byId["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    expect(attribute(enterprise, "employeeNumber").required).toBe(true);
    expect(attribute(enterprise, "manager").type).toBe("complex");
    const one = await t.bridge.request("GET", "/Schemas/urn:ietf:params:scim:schemas:extension:BIS:2.0:User");
    expect(one.body.id).toBe("urn:ietf:params:scim:schemas:extension:BIS:2.0:User");
  });

  it("answers unknown endpoints with a SCIM 404, and Groups as unsupported", async () => {
    const groups = await t.bridge.request("GET", "/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22");
    expect(groups.status).toBe(404);
    expect(groups.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
  });
});
