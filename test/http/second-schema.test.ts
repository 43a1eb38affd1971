/**
 * A second, differently shaped legacy store (test/fixtures/wide: one wide table, other names,
 * phones and department as columns, a Y/N active flag), mapped with YAML only, provisioned
 * through the same recorded Entra sequences as the reference schema.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { checkMapping } from "../../src/mapping/mapping-check.js";
import { comparesCaseSensitively, readDatabaseSchema } from "../../src/store/sql/introspection/database-schema.js";
import { WIDE, WRITE_STATEMENTS, wideBridgeOn } from "../fixtures/wide/second-schema.js";
import { entraUser, TEST_TOKEN } from "../support/bridge-harness.js";
import { describeEachEngine, type TestEngine } from "../support/databases.js";
import { ROOT } from "../support/paths.js";

/** The second schema's mapping, creating users through the install's own statement (write.create) only. */
function mappingFor(engine: TestEngine): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "wide-")), "mapping.yaml");
  writeFileSync(file, readFileSync(path.join(WIDE, "mapping.yaml"), "utf8").replace("delete: soft", `delete: soft\nwrite:\n  create:\n    sql: ${JSON.stringify(WRITE_STATEMENTS[engine].create)}`));
  return file;
}

describeEachEngine("a second legacy schema, mapped with YAML only", (engine) => {
  const t = wideBridgeOn(engine, () => mappingFor(engine));

  it("passes check against its database", async () => {
    const findings = checkMapping(loadMapping(t.mapping), await readDatabaseSchema(t.db.knex, engine), { needsFoldedIndexes: comparesCaseSensitively(engine) });
    expect(findings.filter((f) => f.level === "error")).toEqual([]);
  });

  it("passes every step of the recorded Entra sequences", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "replay", "--url", t.bridge.scimUrl, "--token", TEST_TOKEN, "--json"], { cwd: ROOT });
    const results = JSON.parse(stdout) as { step: string; outcome: string; problem?: string }[];
    expect(results.filter((r) => r.outcome !== "passed")).toEqual([]);
  });

  it("creates through the install's own statement, inside the bridge's transaction", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("procedure@contoso.com", { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: "w-77" } }));
    expect(created.status).toBe(201);
    // The statement upper-cases the staff id: this row was written by it, not by a generated INSERT.
    expect((await t.db.knex("hr_people").where("person_no", Number(created.body.id)).first()).staff_id).toBe("W-77");
    expect(created.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].employeeNumber).toBe("W-77");
    const again = await t.bridge.request("POST", "/Users", entraUser("PROCEDURE@contoso.com"));
    expect(again.status).toBe(409);
  });

  it("writes its own columns: the Y/N flag, phones and department as text", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("wide@contoso.com", { phoneNumbers: [{ type: "mobile", value: "+1 403 555 0199" }] }));
    expect(created.status).toBe(201);
    await t.bridge.request("PATCH", `/Users/${created.body.id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    const row = await t.db.knex("hr_people").where("person_no", Number(created.body.id)).first();
    expect(row).toMatchObject({ login_email: "wide@contoso.com", enabled_flag: "N", phone_mobile: "+1 403 555 0199", dept_name: "Operations", country_iso: "CA", staff_id: "E-1042" });
    expect((await t.bridge.request("GET", `/Users/${created.body.id}`)).body.active).toBe(false);
    const found = await t.bridge.request("GET", `/Users?filter=${encodeURIComponent('userName eq "WIDE@contoso.com"')}`);
    expect(found.body.totalResults).toBe(1);
  });
});
