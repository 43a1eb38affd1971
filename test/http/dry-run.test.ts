/** Dry-run mode: the bridge answers Entra as usual, writes nothing, and logs what it would write. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, dumpTables, type TestDatabase } from "../support/databases.js";
import { entraUser, startTestBridge } from "../support/bridge-harness.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("sqlite", { seed: true });
});
afterAll(async () => {
  await db?.drop();
});

it("answers creates, updates and deletes while BIS stays byte-identical, logging each write", async () => {
  const bridge = await startTestBridge({ store: db.config, dryRun: true });
  try {
    const before = await dumpTables(db.knex);
    const created = await bridge.request("POST", "/Users", entraUser("dry@contoso.com"));
    expect(created.status).toBe(201);
    const patched = await bridge.request("PATCH", "/Users/1", { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Replace", path: "title", value: "Rehearsed" }] });
    expect(patched).toMatchObject({ status: 200, body: { title: "Rehearsed" } });
    expect((await bridge.request("DELETE", "/Users/2")).status).toBe(204);
    expect(await dumpTables(db.knex)).toEqual(before);
    const logged = bridge.logs.entries.filter((e) => e.message === "dry run: not written").map((e) => String(e.sql).toLowerCase());
    expect(logged.some((sql) => sql.startsWith("insert into `users`"))).toBe(true);
    expect(logged.some((sql) => sql.startsWith("update `users` set `jobtitle`"))).toBe(true);
    expect(logged.some((sql) => sql.startsWith("update `users` set `isdeleted`"))).toBe(true);
    expect(logged.some((sql) => sql.endsWith("where 0"))).toBe(false);
    // The parameters' kinds, never a person's data: no e-mail, name or phone in the log.
    const insert = bridge.logs.entries.find((e) => e.message === "dry run: not written" && /^insert into `users`/i.test(String(e.sql)))!;
    expect(insert.bindings).toContain("<text, 15 chars>");
    expect(bridge.logs.text()).not.toMatch(/dry@contoso\.com|Rehearsed|\+1 403 555 0100/);
  } finally {
    await bridge.close();
  }
});
