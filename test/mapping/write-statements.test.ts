/**
 * write.create, write.update and write.delete: the second schema (test/fixtures/wide) writes its
 * users only through its own statements (PostgreSQL functions, MariaDB procedures, the
 * consultant's SQL on SQLite), provisioned through real HTTP, and preview shows those statements.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { preview, formatPreview } from "../../src/cli/preview.js";
import { configSchema } from "../../src/config/config-schema.js";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { entraUser, startTestBridge, TEST_TOKEN } from "../support/bridge-harness.js";
import { describeEachEngine } from "../support/databases.js";
import { ROOT } from "../support/paths.js";
import { WRITE_STATEMENTS, wideBridgeOn, wideMappingWithStatements } from "../fixtures/wide/second-schema.js";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const replace = (path: string, value: unknown) => ({ schemas: [PATCH], Operations: [{ op: "Replace", path, value }] });

describeEachEngine("the install's own write statements", (engine) => {
  const t = wideBridgeOn(engine, () => wideMappingWithStatements(engine, "soft"));
  const person = async (id: string) => t.db.knex("hr_people").where("person_no", Number(id)).first();

  it("passes every step of the recorded Entra sequences with create, update and delete all the install's", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "replay", "--url", t.bridge.scimUrl, "--token", TEST_TOKEN, "--json"], { cwd: ROOT });
    const results = JSON.parse(stdout) as { step: string; outcome: string; problem?: string }[];
    expect(results.filter((r) => r.outcome !== "passed")).toEqual([]);
  });

  it("updates through write.update with the user's whole new row, under the bridge's lock", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("update.statement@contoso.com", { title: "Operator" }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const before = await person(id);

    // The statement signs last_writer: the row was written by it, not by a generated UPDATE.
    expect(before.last_writer).toBeNull();
    const renumbered = await t.bridge.request("PATCH", `/Users/${id}`, replace(`${ENTERPRISE}:employeeNumber`, "W-88"));
    expect(renumbered.status).toBe(200);
    expect(renumbered.body[ENTERPRISE].employeeNumber).toBe("W-88");
    expect((await person(id)).last_writer).toBe("update_person");

    // Only the phone changes; the statement sets every column, so it must get the unchanged ones too.
    const rephoned = await t.bridge.request("PATCH", `/Users/${id}`, replace('phoneNumbers[type eq "mobile"].value', "+1 403 555 0177"));
    expect(rephoned.status).toBe(200);
    const after = await person(id);
    expect(after).toMatchObject({ staff_id: "W-88", phone_mobile: "+1 403 555 0177", given: "Jane", family: "Doe", job: "Operator", dept_name: "Operations", country_iso: "CA", enabled_flag: "Y" });
    expect(new Date(after.changed_at).getTime()).toBeGreaterThanOrEqual(new Date(before.changed_at).getTime());

    // Nothing changed: the statement does not run (no write, no new modified stamp).
    const unchanged = await t.bridge.request("PATCH", `/Users/${id}`, replace("title", "Operator"));
    expect(unchanged.status).toBe(200);
    expect(String((await person(id)).changed_at)).toBe(String(after.changed_at));
  });

  it("deletes through write.delete (here the install's soft delete, which also disables)", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("delete.statement@contoso.com"));
    const id = created.body.id as string;
    expect((await t.bridge.request("DELETE", `/Users/${id}`)).status).toBe(204);
    const row = await person(id);
    // The generated soft delete only sets the flag; the rest is the statement's own.
    expect(row).toMatchObject({ enabled_flag: "N", last_writer: "retire_person" });
    expect([true, 1, "1"]).toContain(row.gone);
    expect((await t.bridge.request("GET", `/Users/${id}`)).status).toBe(404);
    expect((await t.bridge.request("DELETE", `/Users/${id}`)).status).toBe(404);
  });

  it("removes the row with delete: hard through the install's purge statement", async () => {
    const hard = await startTestBridge({ store: t.db.config, mapping: wideMappingWithStatements(engine, "hard") });
    try {
      const created = await hard.request("POST", "/Users", entraUser("purge.statement@contoso.com"));
      expect((await hard.request("DELETE", `/Users/${created.body.id}`)).status).toBe(204);
      expect(await person(created.body.id)).toBeUndefined();
    } finally {
      await hard.close();
    }
  });

  it("shows the install's statements, with their parameters, in preview", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("preview.statement@contoso.com"));
    const config = configSchema.parse({ mapping: t.mapping, store: t.db.config, auth: { tokens: TEST_TOKEN } });
    const compiled = loadMapping(t.mapping);
    const patched = formatPreview(await preview(config, compiled, { method: "PATCH", path: `/Users/${created.body.id}`, body: replace("title", "Previewed") }));
    const deleted = formatPreview(await preview(config, compiled, { method: "DELETE", path: `/Users/${created.body.id}` }));
    // The statement's text up to its first parameter (the driver shows parameters as ? or $n).
    const opening = (statement: string) => statement.split(":")[0]!;
    expect(patched).toContain(opening(WRITE_STATEMENTS[engine].update));
    expect(patched).toContain('"Previewed"');
    expect(deleted).toContain(opening(WRITE_STATEMENTS[engine].retire));
    expect(deleted).toMatch(/-> 204/);
    // Rolled back: the user is as before.
    expect(await person(created.body.id)).toMatchObject({ job: "Operator", gone: expect.anything() });
    expect((await t.bridge.request("GET", `/Users/${created.body.id}`)).body.title).toBe("Operator");
  });
});
