/** Every change written to BIS is in the audit trail: who, what (old -> new), when, result. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { entraUser, startTestBridge, TEST_TOKEN } from "../support/bridge-harness.js";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("sqlite", { seed: true });
});
afterAll(async () => {
  await db?.drop();
});

it("records creates, changes, refusals and deletes with the token's name, and never the token", async () => {
  const bridge = await startTestBridge({ store: db.config, tokens: [{ name: "entra-prod", token: TEST_TOKEN }] });
  const created = await bridge.request("POST", "/Users", entraUser("audited@contoso.com"));
  const id = created.body.id;
  await bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "name.familyName", value: "Doe-Smith" }, { op: "Replace", path: "active", value: "False" }] });
  await bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "name.givenName", value: "Jane" }] });
  const refused = await bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: 'addresses[type eq "work"].country', value: "Narnia" }] });
  expect(refused.status).toBe(400);
  await bridge.request("GET", `/Users/${id}`);
  expect((await bridge.request("DELETE", `/Users/${id}`)).status).toBe(204);
  await bridge.close();

  const files = readdirSync(bridge.auditDir).filter((f) => f.endsWith(".log"));
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.log$/);
  const text = readFileSync(path.join(bridge.auditDir, files[0]), "utf8");
  expect(text).not.toContain(TEST_TOKEN);
  const entries = text.trim().split("\n").map((line) => JSON.parse(line));
  expect(entries.map((e) => [e.operation, e.result, e.status])).toEqual([
    ["create", "success", 201],
    ["patch", "success", 200],
    ["patch", "success", 200],
    ["patch", "failure", 400],
    ["delete", "success", 204],
  ]);
  for (const entry of entries) {
    expect(entry.who).toBe("entra-prod");
    expect(Date.parse(entry.at)).not.toBeNaN();
    expect(entry.bisId).toBe(id);
  }
  expect(entries[0].changes).toEqual(expect.arrayContaining([{ attribute: "userName", new: "audited@contoso.com" }, { attribute: "active", new: true }]));
  expect(entries[1].changes).toEqual([
    { attribute: "active", old: true, new: false },
    { attribute: "name.familyName", old: "Doe", new: "Doe-Smith" },
  ]);
  expect(entries[2].changes).toEqual([]);
  expect(entries[3].detail).toContain("Narnia");
});
