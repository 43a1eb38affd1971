/**
 * A customer's BIS, not ours (test/fixtures/customer): `introspect` drafts the mapping from the
 * database alone, `check` passes it, and the bridge then runs Entra's whole cycle, the jobs and
 * the CLI on it, with the stored rows asserted after each step: Y/N flags, alpha-3 countries,
 * DD/MM/YYYY text dates, province and site lookups, phone columns, and the legacy pair that
 * shares one e-mail. No hand edit of the drafted mapping.
 */
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CUSTOMER_SCHEMA, EMPLOYEE_COLUMNS, LEGACY, PROVINCE, SITE } from "../fixtures/customer/customer-schema.js";
import { startTestBridge, TEST_TOKEN, type TestBridge } from "../support/bridge-harness.js";
import { createTestDatabase, describeEachEngine, type TestDatabase } from "../support/databases.js";
import { ROOT } from "../support/paths.js";

const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const BIS = "urn:ietf:params:scim:schemas:extension:BIS:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const CLI = path.join(ROOT, "bin/bis-scim-bridge.js");

/** Runs the CLI; a non-zero exit is returned, not thrown. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A new hire as Entra sends one for this customer: site name, province code, alpha-2 country. */
/** An Entra object id per person (one live BIS user each), stable across runs. */
const objectId = (email: string) => {
  const hex = createHash("sha256").update(email.toLowerCase()).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

function newHire(email: string, overrides: Record<string, unknown> = {}) {
  return {
    schemas: [CORE, ENTERPRISE, BIS],
    externalId: objectId(email),
    userName: email,
    active: true,
    name: { givenName: "Nia", familyName: "Hire" },
    emails: [{ primary: true, type: "work", value: email }],
    title: "Welder",
    addresses: [{ type: "work", region: "AB", country: "CA" }],
    phoneNumbers: [
      { type: "work", value: "+1 403 555 0142" },
      { type: "mobile", value: "+1 587 555 0143" },
    ],
    [ENTERPRISE]: { employeeNumber: "N-0042", manager: { value: String(LEGACY.pairUpper) } },
    [BIS]: { location: "Calgary Yard", startdate: "2024-02-29T00:00:00Z" },
    ...overrides,
  };
}

describeEachEngine("a customer's schema, mapped by introspect alone", (engine) => {
  let db: TestDatabase;
  let dir: string;
  let config: string;
  let mapping: string;
  let bridge: TestBridge;

  const row = async (id: number | string) => {
    const found: Record<string, unknown> | undefined = await db.knex("tblEmployee").select(EMPLOYEE_COLUMNS).where("EmployeeID", Number(id)).first();
    // CHAR columns come back padded on some engines; keys as numbers everywhere.
    return found && Object.fromEntries(Object.entries(found).map(([k, v]) => [k, typeof v === "string" ? v.trimEnd() : typeof v === "bigint" ? Number(v) : v]));
  };
  const employees = async () => Number((await db.knex("tblEmployee").count({ n: "*" }))[0]!.n);
  const filter = (expression: string) => bridge.request("GET", `/Users?filter=${encodeURIComponent(expression)}`);

  beforeAll(async () => {
    db = await createTestDatabase(engine, { schema: CUSTOMER_SCHEMA });
    dir = mkdtempSync(path.join(tmpdir(), "customer-"));
    config = path.join(dir, "config.yaml");
    mapping = path.join(dir, "mapping.yaml");
    writeFileSync(config, stringify({ mapping: "mapping.yaml", store: db.config, log: { level: "warn" }, audit: { file: path.join(dir, "audit-%DATE%.log") } }));
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
  });

  it("introspect drafts the mapping from the tables, their keys and their rows, and check passes it", async () => {
    const drafted = await cli("introspect", "--table", "tblEmployee", "--config", config);
    expect(drafted.code).toBe(0);
    writeFileSync(mapping, drafted.stdout);
    // What it read from the rows: the flags' codes, the dates' format, the countries' form.
    expect(drafted.stdout).toContain('deleted: { column: Deleted, values: { "true": Y, "false": N } }   # a text flag: Y/N, as the rows hold');
    expect(drafted.stdout).toMatch(/scim: active, column: Active, valueType: boolean, values: \{ "true": Y, "false": N \}/);
    expect(drafted.stdout).toMatch(/BIS:2.0:User:startdate', column: Hire_Date, valueType: date, dateFormat: DD\/MM\/YYYY \}   # the format the rows hold/);
    expect(drafted.stdout).toMatch(/BIS:2.0:User:terminationdate', column: Leave_Date, valueType: date, dateFormat: DD\/MM\/YYYY \}/);
    expect(drafted.stdout).toMatch(/column: Country, transform: country-alpha3/);
    // What it read from the foreign keys: two lookups (the province by its code), and the manager.
    expect(drafted.stdout).toContain("province: { column: ProvinceID, table: tblProvince, key: ProvinceID, name: Province_Code, missing: refuse }");
    expect(drafted.stdout).toContain("site: { column: SiteID, table: tblSite, key: SiteID, name: SiteName, missing: refuse }");
    expect(drafted.stdout).toMatch(/scim: 'addresses\[type eq "work"\].region', lookup: province, required: true/);
    expect(drafted.stdout).toMatch(/BIS:2.0:User:location', lookup: site/);
    expect(drafted.stdout).toMatch(/enterprise:2.0:User:manager', column: Supervisor_ID, valueType: userReference/);
    expect(drafted.stdout).toMatch(/phoneNumbers\[type eq "work"\].value', column: Work_Phone/);
    expect(drafted.stdout).toMatch(/phoneNumbers\[type eq "mobile"\].value', column: Mobile_Phone/);
    expect(drafted.stdout).toMatch(/scim: userName, column: EMail_Address, required: true, maxLength: 256, filter: indexed/);

    const checked = await cli("check", "--config", config);
    expect(checked.stdout).toContain("0 error(s)");
    // The one thing to clean before go-live: the legacy pair.
    expect(checked.stdout).toMatch(/2 users share the e-mail legacy\.pair@contoso\.com \(ids 1, 2\)/);
    expect(checked.code).toBe(0);

    bridge = await startTestBridge({ store: db.config, mapping, jobs: { terminationDates: { enabled: true, schedule: "0 0 0 1 1 *" }, reconciliation: { schedule: "0 0 0 1 1 *" } } });
  });

  it("reads the legacy rows as Entra expects: Y/N as booleans, text dates as dates, CAN as CA, the deleted user hidden", async () => {
    const stayer = await bridge.request("GET", `/Users/${LEGACY.futureLeaver}`);
    expect(stayer.status).toBe(200);
    expect(stayer.body).toMatchObject({
      userName: "leaver.future@contoso.com",
      active: true,
      addresses: [expect.objectContaining({ region: "QC", country: "CA" })],
      [BIS]: { startdate: "2021-06-30T00:00:00Z", terminationdate: "2099-12-31T00:00:00Z" },
    });
    const pair = await bridge.request("GET", `/Users/${LEGACY.pairUpper}`);
    expect(pair.body).toMatchObject({ [BIS]: { location: "Calgary Yard", startdate: "2019-03-25T00:00:00Z" }, phoneNumbers: [{ type: "work", value: "+1 403 555 0101" }] });

    expect((await bridge.request("GET", `/Users/${LEGACY.deleted}`)).status).toBe(404);
    expect((await filter('userName eq "gone@contoso.com"')).body.totalResults).toBe(0);
    // Entra's probe of an existing user finds it, in any case; the legacy pair both.
    expect((await filter('userName eq "LEAVER.FUTURE@contoso.com"')).body.Resources.map((u: { id: string }) => u.id)).toEqual([String(LEGACY.futureLeaver)]);
    expect((await filter('userName eq "legacy.pair@contoso.com"')).body.totalResults).toBe(2);
  });

  it("creates a user with the customer's codes: province and site keys, CAN, DD/MM/YYYY, Y and N", async () => {
    const created = await bridge.request("POST", "/Users", newHire("nia.hire@contoso.com"));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userName: "nia.hire@contoso.com", active: true, addresses: [expect.objectContaining({ region: "AB", country: "CA" })] });
    expect(await row(created.body.id)).toEqual({
      EmployeeID: Number(created.body.id),
      "EMail_Address": "nia.hire@contoso.com",
      First_Name: "Nia",
      Last_Name: "Hire",
      Job_Title: "Welder",
      Employee_No: "N-0042",
      ProvinceID: PROVINCE.AB,
      SiteID: SITE["Calgary Yard"],
      Country: "CAN",
      Work_Phone: "+1 403 555 0142",
      Mobile_Phone: "+1 587 555 0143",
      Hire_Date: "29/02/2024",
      Leave_Date: null,
      Supervisor_ID: LEGACY.pairUpper,
      Azure_Object_ID: objectId("nia.hire@contoso.com"),
      Active: "Y",
      Deleted: "N",
    });
  });

  it("refuses what the customer's tables cannot hold, and writes nothing", async () => {
    const before = await employees();
    const unknownSite = await bridge.request("POST", "/Users", newHire("no.site@contoso.com", { [BIS]: { location: "Atlantis" } }));
    expect(unknownSite.status).toBe(400);
    expect(unknownSite.body).toMatchObject({ scimType: "invalidValue", detail: expect.stringContaining("location") });
    const unknownProvince = await bridge.request("POST", "/Users", newHire("no.province@contoso.com", { addresses: [{ type: "work", region: "ZZ", country: "CA" }] }));
    expect(unknownProvince.status).toBe(400);
    expect(unknownProvince.body.detail).toContain("region");
    const countryName = await bridge.request("POST", "/Users", newHire("no.country@contoso.com", { addresses: [{ type: "work", region: "AB", country: "Canada" }] }));
    expect(countryName.status).toBe(400);
    expect(countryName.body.detail).toContain("country");
    // The legacy pair's e-mail, in a third spelling: a conflict naming both, never a third user.
    const duplicate = await bridge.request("POST", "/Users", newHire("LEGACY.PAIR@CONTOSO.COM"));
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.detail).toMatch(/BIS users? 1, 2|1 and 2/);
    expect(await employees()).toBe(before);
  });

  it("PATCHes in both of Entra's dialects write Y/N, keys and DD/MM/YYYY, and DELETE sets Deleted to Y", async () => {
    const id = (await filter('userName eq "nia.hire@contoso.com"')).body.Resources[0].id;
    // Entra's default dialect: "Replace", booleans as strings.
    const moved = await bridge.request("PATCH", `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: "Replace", path: 'addresses[type eq "work"].region', value: "ON" },
        { op: "Replace", path: `${BIS}:location`, value: "Toronto Plant" },
        { op: "Add", path: `${BIS}:terminationdate`, value: "2030-05-31T00:00:00Z" },
        { op: "Replace", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 416 555 0199" },
        { op: "Replace", path: "active", value: "False" },
      ],
    });
    expect(moved.status).toBe(200);
    expect(await row(id)).toMatchObject({ ProvinceID: PROVINCE.ON, SiteID: SITE["Toronto Plant"], Leave_Date: "31/05/2030", Mobile_Phone: "+1 416 555 0199", Active: "N", Country: "CAN" });
    // aadOptscim062020: lower-case ops, real booleans, a value object without a path.
    const back = await bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { active: true, title: "Lead welder" } }] });
    expect(back.status).toBe(200);
    expect(await row(id)).toMatchObject({ Active: "Y", Job_Title: "Lead welder", Deleted: "N" });

    expect((await bridge.request("DELETE", `/Users/${id}`)).status).toBe(204);
    expect(await row(id)).toMatchObject({ Deleted: "Y", EMail_Address: "nia.hire@contoso.com" });
    expect((await bridge.request("GET", `/Users/${id}`)).status).toBe(404);
    // The mailbox is free again: Entra may provision it anew (a new row; the deleted one stays).
    const again = await bridge.request("POST", "/Users", newHire("nia.hire@contoso.com", { externalId: "1c2d3e4f-0000-4000-8000-000000000001" }));
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
  });

  it("the termination-dates job disables the leaver whose DD/MM/YYYY date has passed, and no one else", async () => {
    expect(await bridge.scheduler.runNow("termination-dates")).toBe("success");
    expect(await row(LEGACY.pastLeaver)).toMatchObject({ Active: "N", Leave_Date: "15/01/2020", Deleted: "N" });
    expect(await row(LEGACY.futureLeaver)).toMatchObject({ Active: "Y", Leave_Date: "31/12/2099" });
    expect(await row(LEGACY.pairLower)).toMatchObject({ Active: "Y" });
    // The deleted user (past date, already N) stays as it was.
    expect(await row(LEGACY.deleted)).toMatchObject({ Active: "N", Deleted: "Y" });
  });

  it("the reconciliation report names the legacy pair and the users without Entra's object id", async () => {
    expect(await bridge.scheduler.runNow("reconciliation")).toBe("success");
    const findings = bridge.reconciliation.findings!;
    expect(findings.duplicateEmails).toEqual([expect.objectContaining({ email: "legacy.pair@contoso.com", ids: [String(LEGACY.pairUpper), String(LEGACY.pairLower)] })]);
    expect(findings.withoutExternalId.ids).toEqual(expect.arrayContaining([String(LEGACY.pairUpper), String(LEGACY.pairLower), String(LEGACY.futureLeaver)]));
    expect(findings.withoutExternalId.ids).not.toContain(String(LEGACY.deleted));
  });

  it("preview shows a PATCH's statements with the customer's codes, and writes nothing", async () => {
    const request = path.join(dir, "request.json");
    writeFileSync(request, JSON.stringify({ method: "PATCH", path: `/Users/${LEGACY.futureLeaver}`, body: { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "False" }] } }));
    const shown = await cli("preview", request, "--config", config);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/tblEmployee/);
    expect(shown.stdout).toMatch(/"N"|'N'/);
    expect(await row(LEGACY.futureLeaver)).toMatchObject({ Active: "Y" });
  });

  it("replay runs Entra's recorded cycles with the customer's codes, and leaves its users soft-deleted in BIS's form", async () => {
    const replayed = await cli("replay", "--url", bridge.scimUrl, "--token", TEST_TOKEN, "--set", "region=AB", "--set", "region2=ON", "--set", "country=CA", "--set", "country3=CAN");
    expect(replayed.stderr).toBe("");
    expect(replayed.code).toBe(0);
    const rows: Record<string, unknown>[] = await db.knex("tblEmployee").select("Country", "ProvinceID", "Active", "Deleted").where("EMail_Address", "like", "replay-%");
    // Each cycle's user, and the duplicate-create sequence's one.
    expect(rows.length).toBe(3);
    for (const replayUser of rows) {
      expect({ ...replayUser, Country: String(replayUser.Country).trimEnd() }).toMatchObject({ Country: "CAN", Deleted: "Y", ProvinceID: expect.any(Number) });
      expect(["Y", "N"]).toContain(replayUser.Active);
    }
  });

  it("check refuses the mapping once it would misread the rows: a wrong date format, a flag code it does not name", async () => {
    const drafted = readFileSync(mapping, "utf8");
    const wrong = path.join(dir, "wrong.yaml");
    writeFileSync(path.join(dir, "wrong-config.yaml"), stringify({ mapping: "wrong.yaml", store: db.config }));
    writeFileSync(wrong, drafted.replace("column: Hire_Date, valueType: date, dateFormat: DD/MM/YYYY", "column: Hire_Date, valueType: date, dateFormat: MM/DD/YYYY"));
    const dates = await cli("check", "--config", path.join(dir, "wrong-config.yaml"));
    expect(dates.code).toBe(1);
    expect(dates.stdout).toMatch(/\d+ of \d+ dates sampled in tblEmployee\.Hire_Date are not written MM\/DD\/YYYY .* and all are written DD\/MM\/YYYY/);
    expect(dates.stdout).toContain("fix: dateFormat: DD/MM/YYYY");

    await db.knex("tblEmployee").where("EmployeeID", LEGACY.pairLower).update({ Deleted: "X" });
    writeFileSync(wrong, drafted);
    const flags = await cli("check", "--config", path.join(dir, "wrong-config.yaml"));
    await db.knex("tblEmployee").where("EmployeeID", LEGACY.pairLower).update({ Deleted: "N" });
    expect(flags.code).toBe(1);
    expect(flags.stdout).toMatch(/tblEmployee\.Deleted holds "X", which its values .* do not name: .* hidden from Entra/);
  });
});
