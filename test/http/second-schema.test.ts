/**
 * A second, differently shaped legacy store (test/fixtures/wide: one wide table, other names,
 * phones and department as columns, a Y/N active flag), mapped with YAML only, provisioned
 * through the same recorded Entra sequences as the reference schema.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { checkMapping } from "../../src/mapping/mapping-check.js";
import { comparesCaseSensitively, readDatabaseSchema } from "../../src/store/sql/introspection/database-schema.js";
import { entraUser, startTestBridge, TEST_TOKEN, type TestBridge } from "../support/bridge-harness.js";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createTestDatabase, describeEachEngine, type TestDatabase, type TestEngine } from "../support/databases.js";
import { ROOT } from "../support/paths.js";
import { afterAll, beforeAll } from "vitest";

const WIDE = path.join(ROOT, "test/fixtures/wide");
const PARAMETERS = ":login_email, :staff_id, :given, :family, :job, :dept_name, :town, :state_code, :country_iso, :phone_work, :phone_mobile, :enabled_flag, :boss_no, :entra_oid";

/**
 * This install creates users through its own statement (write.create): a stored function on
 * PostgreSQL, a stored procedure on MariaDB, the consultant's own INSERT on SQLite (no procedures).
 */
const CREATE: Record<TestEngine, string> = {
  postgres: `SELECT create_person(${PARAMETERS}) AS person_no`,
  mariadb: `CALL create_person(${PARAMETERS})`,
  sqlite:
    "INSERT INTO hr_people (login_email, staff_id, given, family, job, dept_name, town, state_code, country_iso, phone_work, phone_mobile, enabled_flag, boss_no, entra_oid) " +
    `VALUES (:login_email, upper(:staff_id), :given, :family, :job, :dept_name, :town, :state_code, :country_iso, :phone_work, :phone_mobile, :enabled_flag, :boss_no, :entra_oid) RETURNING person_no`,
};

function mappingFor(engine: TestEngine): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "wide-")), "mapping.yaml");
  writeFileSync(file, readFileSync(path.join(WIDE, "mapping.yaml"), "utf8").replace("delete: soft", `delete: soft\nwrite:\n  create:\n    sql: "${CREATE[engine]}"`));
  return file;
}

describeEachEngine("a second legacy schema, mapped with YAML only", (engine) => {
  let db: TestDatabase;
  let bridge: TestBridge;
  let mapping: string;
  beforeAll(async () => {
    db = await createTestDatabase(engine, { schema: { sqlite: path.join(WIDE, "schema.sqlite.sql"), postgres: path.join(WIDE, "schema.postgres.sql"), mariadb: path.join(WIDE, "schema.mariadb.sql") } });
    mapping = mappingFor(engine);
    bridge = await startTestBridge({ store: db.config, mapping });
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
  });

  it("passes check against its database", async () => {
    const findings = checkMapping(loadMapping(mapping), await readDatabaseSchema(db.knex, engine), { needsFoldedIndexes: comparesCaseSensitively(engine) });
    expect(findings.filter((f) => f.level === "error")).toEqual([]);
  });

  it("passes every step of the recorded Entra sequences", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "replay", "--url", bridge.scimUrl, "--token", TEST_TOKEN, "--json"], { cwd: ROOT });
    const results = JSON.parse(stdout) as { step: string; outcome: string; problem?: string }[];
    expect(results.filter((r) => r.outcome !== "passed")).toEqual([]);
  });

  it("creates through the install's own statement, inside the bridge's transaction", async () => {
    const created = await bridge.request("POST", "/Users", entraUser("procedure@contoso.com", { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: "w-77" } }));
    expect(created.status).toBe(201);
    // The statement upper-cases the staff id: this row was written by it, not by a generated INSERT.
    expect((await db.knex("hr_people").where("person_no", Number(created.body.id)).first()).staff_id).toBe("W-77");
    expect(created.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].employeeNumber).toBe("W-77");
    const again = await bridge.request("POST", "/Users", entraUser("PROCEDURE@contoso.com"));
    expect(again.status).toBe(409);
  });

  it("writes its own columns: the Y/N flag, phones and department as text", async () => {
    const created = await bridge.request("POST", "/Users", entraUser("wide@contoso.com", { phoneNumbers: [{ type: "mobile", value: "+1 403 555 0199" }] }));
    expect(created.status).toBe(201);
    await bridge.request("PATCH", `/Users/${created.body.id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    const row = await db.knex("hr_people").where("person_no", Number(created.body.id)).first();
    expect(row).toMatchObject({ login_email: "wide@contoso.com", enabled_flag: "N", phone_mobile: "+1 403 555 0199", dept_name: "Operations", country_iso: "CA", staff_id: "E-1042" });
    expect((await bridge.request("GET", `/Users/${created.body.id}`)).body.active).toBe(false);
    const found = await bridge.request("GET", `/Users?filter=${encodeURIComponent('userName eq "WIDE@contoso.com"')}`);
    expect(found.body.totalResults).toBe(1);
  });
});
