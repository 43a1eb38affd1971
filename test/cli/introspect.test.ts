/** `introspect` drafts a mapping from the database that check accepts and the bridge provisions with. */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { checkMapping } from "../../src/mapping/mapping-check.js";
import { comparesCaseSensitively, readDatabaseSchema } from "../../src/store/sql/introspection/database-schema.js";
import { storeOn } from "../store/store-fixtures.js";
import { entraUser, startTestBridge } from "../support/bridge-harness.js";
import { describeEachEngine } from "../support/databases.js";
import { ROOT } from "../support/paths.js";

describeEachEngine("introspect", (engine) => {
  const t = storeOn(engine);

  it("drafts a starter mapping for the user table that check accepts and a bridge provisions with", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "introspect-"));
    const config = path.join(dir, "config.yaml");
    writeFileSync(config, stringify({ mapping: "mapping.yaml", store: t.database.config }));
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "introspect", "--table", "Users", "--config", config], { cwd: ROOT });
    const mappingFile = path.join(dir, "mapping.yaml");
    writeFileSync(mappingFile, stdout);

    const mapping = loadMapping(mappingFile);
    expect(mapping.model).toMatchObject({ table: "Users", keyColumn: "UserID", emailColumn: "Email", deletedColumn: "IsDeleted", selfReferences: ["SupervisorID"] });
    // The foreign keys become lookups by the name column of the table they point at.
    expect(mapping.model.lookups).toEqual(expect.arrayContaining([
      expect.objectContaining({ column: "DepartmentID", table: "Departments", keyColumn: "DepartmentID", nameColumn: "DepartmentName" }),
      expect.objectContaining({ column: "LocationID", table: "Locations", keyColumn: "LocationID", nameColumn: "LocationName" }),
    ]));
    const findings = checkMapping(mapping, await readDatabaseSchema(t.database.knex, engine), { needsFoldedIndexes: comparesCaseSensitively(engine) });
    expect(findings.filter((f) => f.level === "error")).toEqual([]);

    const bridge = await startTestBridge({ store: t.database.config, mapping: mappingFile });
    try {
      const created = await bridge.request("POST", "/Users", entraUser(`starter.${engine}@contoso.com`));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ userName: `starter.${engine}@contoso.com`, name: { familyName: "Doe" }, addresses: [expect.objectContaining({ country: "CA" })] });
      const found = await bridge.request("GET", `/Users?filter=${encodeURIComponent(`userName eq "STARTER.${engine}@contoso.com"`)}`);
      expect(found.body.totalResults).toBe(1);
    } finally {
      await bridge.close();
    }
  });
});
