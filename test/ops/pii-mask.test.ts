/** Configured personal-data fields never reach the logs or the audit trail. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MASK, maskMatcher, maskValue } from "../../src/ops/pii-mask.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { entraUser, startTestBridge } from "../support/bridge-harness.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("sqlite", { seed: true });
});
afterAll(async () => {
  await db?.drop();
});

it("matches field names ignoring case, URN prefixes and value paths", () => {
  const masked = maskMatcher(["userName", "emails", "employeeNumber"]);
  expect(masked("username")).toBe(true);
  expect(masked('emails[type eq "work"].value')).toBe(true);
  expect(masked("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber")).toBe(true);
  expect(masked("name.familyName")).toBe(false);
  expect(maskMatcher([])("userName")).toBe(false);
});

it("masks nested properties and audit changes, and leaves the rest", () => {
  const value = maskValue(
    { requestId: "r1", user: { userName: "a@b.c", title: "Op" }, list: [{ emails: ["a@b.c"] }], changes: [{ attribute: "userName", old: "x@y.z", new: "a@b.c" }, { attribute: "title", old: "A", new: "B" }] },
    maskMatcher(["userName", "emails"]),
  );
  expect(value).toEqual({
    requestId: "r1",
    user: { userName: MASK, title: "Op" },
    list: [{ emails: MASK }],
    changes: [{ attribute: "userName", old: MASK, new: MASK }, { attribute: "title", old: "A", new: "B" }],
  });
});

it("a bridge configured with log.maskFields writes none of those values to its logs or audit trail", async () => {
  const email = "masked.person@contoso.com";
  const bridge = await startTestBridge({ store: db.config, log: { maskFields: ["userName", "emails", "givenName"] } });
  const created = await bridge.request("POST", "/Users", entraUser(email, { externalId: "7d0f0a1b-62b7-4c1e-9c1b-1f0e2c3d4e5f", name: { givenName: "Zebulon", familyName: "Doe" } }));
  expect(created.status).toBe(201);
  // Anything a future log line might carry, at any depth.
  bridge.logger.warn("diagnostic", { userName: email, detail: { emails: [{ value: email }], givenName: "Zebulon" } });
  await bridge.close();

  const logs = bridge.logs.text();
  expect(logs).toContain('"userName":"***"');
  const audit = readdirSync(bridge.auditDir).filter((f) => f.endsWith(".log")).map((f) => readFileSync(path.join(bridge.auditDir, f), "utf8")).join("");
  expect(audit).toContain('{"attribute":"userName","new":"***"}');
  expect(audit).toContain('{"attribute":"name.givenName","new":"***"}');
  expect(audit).toContain('{"attribute":"name.familyName","new":"Doe"}'); // not configured: kept
  for (const text of [logs, audit]) {
    expect(text.toLowerCase()).not.toContain(email);
    expect(text).not.toContain("Zebulon");
  }
});
