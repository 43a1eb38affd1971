/**
 * Request bodies the bridge cannot read: each gets a precise SCIM error (400 invalidSyntax, 413
 * or 415, its detail naming the problem), never a 500, and nothing is written to BIS.
 */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entraUser, startTestBridge, TEST_TOKEN, type TestBridge } from "../support/bridge-harness.js";
import { createTestDatabase, dumpTables, type TestDatabase } from "../support/databases.js";

let db: TestDatabase;
let bridge: TestBridge;
beforeAll(async () => {
  db = await createTestDatabase("sqlite", { seed: true });
  bridge = await startTestBridge({ store: db.config, server: { bodyLimit: "64kb" } });
});
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
});

/** POSTs raw bytes to /Users with the given extra headers; the answer's status and SCIM body. */
async function post(body: Buffer | string, headers: Record<string, string> = {}) {
  const response = await fetch(`${bridge.scimUrl}/Users`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/scim+json", ...headers },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
  return { status: response.status, body: await response.json() };
}

const userJson = (email: string, familyName = "Doe") => JSON.stringify(entraUser(email, { name: { givenName: "Jane", familyName } }));

describe("unreadable request bodies", () => {
  it("refuses invalid UTF-8 with 400 invalidSyntax and writes nothing", async () => {
    const [before, after] = userJson("bad-utf8@contoso.com", "MARK").split("MARK");
    const before_ = await dumpTables(db.knex);
    const response = await post(Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from(after)]));
    expect(response).toMatchObject({ status: 400, body: { scimType: "invalidSyntax", detail: "the request body is not valid UTF-8" } });
    expect(await dumpTables(db.knex)).toEqual(before_);
  });

  it("accepts valid multi-byte UTF-8", async () => {
    const response = await post(userJson("utf8-ok@contoso.com", "Ödön 𝔘 👩‍👩‍👧"));
    expect(response.status).toBe(201);
    expect(response.body.name.familyName).toBe("Ödön 𝔘 👩‍👩‍👧");
  });

  it("answers a corrupt gzip body with 400 invalidSyntax naming the encoding, and writes nothing", async () => {
    const before = await dumpTables(db.knex);
    const response = await post(userJson("not-gzip@contoso.com"), { "content-encoding": "gzip" });
    expect(response).toMatchObject({ status: 400, body: { scimType: "invalidSyntax" } });
    expect(response.body.detail).toBe('the request body cannot be decompressed as its Content-Encoding "gzip" says');
    const truncated = gzipSync(userJson("cut-gzip@contoso.com")).subarray(0, 40);
    expect(await post(truncated, { "content-encoding": "gzip" })).toMatchObject({ status: 400, body: { scimType: "invalidSyntax" } });
    expect(await dumpTables(db.knex)).toEqual(before);
  });

  it("reads a well-formed gzip body", async () => {
    expect((await post(gzipSync(userJson("gzip-ok@contoso.com")), { "content-encoding": "gzip" })).status).toBe(201);
  });

  it("answers an unknown Content-Encoding and a non-UTF charset with 415", async () => {
    const encoding = await post(userJson("x-evil@contoso.com"), { "content-encoding": "x-evil" });
    expect(encoding).toMatchObject({ status: 415, body: { status: "415", detail: expect.stringContaining('Content-Encoding "x-evil"') } });
    expect(encoding.body.scimType).toBeUndefined();
    const charset = await post(userJson("latin1@contoso.com"), { "content-type": "application/scim+json; charset=latin1" });
    expect(charset).toMatchObject({ status: 415, body: { status: "415", detail: expect.stringContaining("charset") } });
  });

  it("answers a body over server.bodyLimit with 413 naming the limit", async () => {
    const response = await post(userJson("huge@contoso.com", "x".repeat(70 * 1024)));
    expect(response).toMatchObject({ status: 413, body: { status: "413", detail: "the request body is too large (the limit is 65536 bytes)" } });
  });

  it("still answers malformed JSON with 400 invalidSyntax", async () => {
    expect(await post('{"userName": ')).toMatchObject({ status: 400, body: { scimType: "invalidSyntax", detail: "the request body is not valid JSON" } });
  });

  it("logs none of these as an unexpected error", () => {
    expect(bridge.logs.text()).not.toContain("unexpected error");
  });
});

describe("unreadable request paths and oversized problems", () => {
  it.each(["/Users/%", "/Users/%E0%A4%A", "/Users/%ZZ"])("answers %s with 400 invalidSyntax, not 500", async (path) => {
    const response = await bridge.request("GET", path);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ scimType: "invalidSyntax", detail: expect.stringContaining("malformed percent-encoding") });
  });

  it("names the first few failing elements of a huge array and counts the rest", async () => {
    const phoneNumbers = Array.from({ length: 2_000 }, () => ({ type: "work", value: 42 }));
    const response = await post(JSON.stringify(entraUser("many-phones@contoso.com", { phoneNumbers })));
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/^phoneNumbers\[0\]\.value: .*; phoneNumbers\[4\]\.value: [^;]*; and 1995 more problems$/);
    expect(response.body.detail.length).toBeLessThan(1_000);
  });
});
