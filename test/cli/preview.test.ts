/** `preview` shows the statements a SCIM request would run, in order, and writes nothing. */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { expect, it } from "vitest";
import { storeOn } from "../store/store-fixtures.js";
import { entraUser } from "../support/bridge-harness.js";
import { describeEachEngine, dumpTables } from "../support/databases.js";
import { mappingVariant } from "../support/mapping-variant.js";
import { REFERENCE_MAPPING, ROOT } from "../support/paths.js";

describeEachEngine("preview", (engine) => {
  const t = storeOn(engine);

  async function run(request: unknown, ...flags: string[]) {
    const dir = mkdtempSync(path.join(tmpdir(), "preview-"));
    writeFileSync(path.join(dir, "config.yaml"), stringify({ mapping: REFERENCE_MAPPING, store: t.database.config }));
    writeFileSync(path.join(dir, "request.json"), JSON.stringify(request));
    return promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "preview", path.join(dir, "request.json"), "--config", path.join(dir, "config.yaml"), ...flags], { cwd: ROOT });
  }

  it("lists a create's lock, duplicate check, new lookup row, insert and phones, then rolls all of it back", async () => {
    const before = await dumpTables(t.database.knex);
    const body = entraUser(`preview.${engine}@contoso.com`, { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: "P-1", department: "Previewed Dept" } });
    const { stdout } = await run({ method: "POST", path: "/Users", body }, "--json");
    const result = JSON.parse(stdout);
    expect(result.status).toBe(201);
    expect(result.response.userName).toBe(`preview.${engine}@contoso.com`);
    const sql = result.statements.map((s: { sql: string }) => s.sql.toLowerCase());
    const at = (pattern: RegExp) => sql.findIndex((s: string) => pattern.test(s));
    expect(at(/insert into .departments/)).toBeGreaterThan(-1);
    expect(at(/insert into .users/)).toBeGreaterThan(at(/insert into .departments/));
    expect(at(/insert into .userphones/)).toBeGreaterThan(at(/insert into .users/));
    expect(result.statements.find((s: { sql: string }) => /insert into .users/i.test(s.sql)).bindings).toContain(`preview.${engine}@contoso.com`);
    // Where the bridge itself answers (the config's host and port), not the preview's own port.
    expect(result.response.meta.location).toMatch(/^http:\/\/localhost:8080\/scim\/v2\/Users\/\d+$/);
    expect(await dumpTables(t.database.knex)).toEqual(before);
  });

  it("shows a site BIS does not know left empty (missing: empty) with its fix, and adds no row", async () => {
    const before = await dumpTables(t.database.knex);
    const body = entraUser(`site.${engine}@contoso.com`, { "urn:ietf:params:scim:schemas:extension:BIS:2.0:User": { location: "Calgary Yard" } });
    const { stdout } = await run({ method: "POST", path: "/Users", body });
    expect(stdout).toMatch(/^POST \/Users -> 201$/m);
    expect(stdout).toMatch(/WARN unknown lookup value left empty .*"value":"Calgary Yard".*"fix":"add \\"Calgary Yard\\" to BIS's location names/);
    expect(stdout).not.toMatch(/insert into .locations/i);
    expect(await dumpTables(t.database.knex)).toEqual(before);
  });

  it("shows why a request fails with 500: the bridge's error log line, beside the response", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "preview-"));
    const broken = mappingVariant((yaml) => yaml.replace("dependents:", 'write:\n  create: { sql: "INSERT INTO NoSuchTable (Email) VALUES (:Email)" }\ndependents:'));
    writeFileSync(path.join(dir, "config.yaml"), stringify({ mapping: broken, store: t.database.config }));
    writeFileSync(path.join(dir, "request.json"), JSON.stringify({ method: "POST", path: "/Users", body: entraUser(`broken.${engine}@contoso.com`) }));
    const failure = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "preview", path.join(dir, "request.json"), "--config", path.join(dir, "config.yaml")], { cwd: ROOT }).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stdout).toMatch(/-> 500/);
    expect(failure.stdout).toMatch(/The bridge logged:\n\s+ERROR unexpected error .*NoSuchTable/i);
  });

  it("shows a PATCH's update as text, and exits 1 when the request would be refused", async () => {
    const before = await dumpTables(t.database.knex);
    const patch = { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Replace", path: "title", value: "Previewed" }] };
    const { stdout } = await run({ method: "PATCH", path: "/Users/1", body: patch });
    expect(stdout).toMatch(/^PATCH \/Users\/1 -> 200$/m);
    expect(stdout).toMatch(/update .Users. set/i);
    expect(stdout).toContain('"Previewed"');
    await expect(run({ method: "POST", path: "/Users", body: entraUser("ada.lovelace@example.com") })).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining("-> 409") });
    expect(await dumpTables(t.database.knex)).toEqual(before);
  });
});
