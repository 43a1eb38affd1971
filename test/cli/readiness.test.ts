/**
 * `readiness`: the shipped tenant export (demo/tenant-users.csv and .json, the same users) against
 * the demo BIS on every SQL engine and on BIS's REST API holding the same users: each user's
 * outcome in Entra's first cycle, the report's rows, the exit code, and nothing written.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { BisRestServer, type Employee } from "../support/bis-rest-server.js";
import { ALL_TEST_ENGINES, createTestDatabase, dumpTables, engineAvailable, type TestDatabase } from "../support/databases.js";
import { REFERENCE_MAPPING, REST_REFERENCE_MAPPING, ROOT } from "../support/paths.js";
import { API_KEY, restStoreConfig } from "../support/rest-backend.js";

const SAMPLE_CSV = path.join(ROOT, "demo/tenant-users.csv");
const SAMPLE_JSON = path.join(ROOT, "demo/tenant-users.json");

interface Backend {
  readonly name: string;
  setUp(): Promise<{ store: Record<string, unknown>; mapping: string; snapshot: () => Promise<unknown>; giveObjectId: (bisId: string, objectId: string) => Promise<void> }>;
  tearDown(): Promise<void>;
}

function sqlBackend(engine: (typeof ALL_TEST_ENGINES)[number]): Backend {
  let db: TestDatabase;
  return {
    name: engine,
    async setUp() {
      db = await createTestDatabase(engine, { seed: true });
      return {
        store: db.config,
        mapping: REFERENCE_MAPPING,
        snapshot: () => dumpTables(db.knex),
        giveObjectId: async (bisId, objectId) => void (await db.knex("Users").where("UserID", Number(bisId)).update({ AzureObjectId: objectId })),
      };
    },
    tearDown: async () => db?.drop(),
  };
}

/** BIS's API holding the demo BIS's users under the same ids (the REST reference mapping's fields). */
function restBackend(): Backend {
  let server: BisRestServer;
  const employee = (employeeId: number, email: string, employeeNumber: string, firstName: string, lastName: string, jobTitle: string | null, department: string | null, province: string, country: string, status: Employee["status"] = "ACTIVE"): Employee => ({
    employeeId, email, employeeNumber, firstName, middleName: null, lastName, jobTitle, department, supervisorId: null, location: null,
    address: { street: null, city: null, province, postalCode: null, country }, phones: { work: null, mobile: null }, status, startDate: null, terminationDate: null, externalRef: null, updatedAt: new Date().toISOString(),
  });
  return {
    name: "rest",
    async setUp() {
      server = await new BisRestServer({ auth: { kind: "apiKey", key: API_KEY }, rateLimit: 100 }).start();
      for (const e of [
        employee(1, "ada.lovelace@example.com", "E1001", "Ada", "Lovelace", "Director of Operations", "Operations", "ON", "CA"),
        employee(2, "j.smith@example.com", "E1002", "John", "Smith", "Accountant", "Finance", "QC", "CA"),
        employee(3, "J.Smith@Example.com", "E1003", "Jane", "Smith", "Analyst", "Finance", "QC", "CA"),
        employee(4, "grace.hopper@example.com", "E1004", "Grace", "Hopper", "Engineer", "Engineering", "BC", "CA"),
        employee(5, "alan.turing@example.com", "E1005", "Alan", "Turing", null, null, "ON", "GB"),
        employee(6, "old.timer@example.com", "E0999", "Oliver", "Timer", "Clerk", "Human Resources", "ON", "CA", "INACTIVE"),
      ]) server.employees.set(e.employeeId, e);
      return {
        store: restStoreConfig(server),
        mapping: REST_REFERENCE_MAPPING,
        snapshot: async () => JSON.parse(JSON.stringify([...server.employees.entries()])),
        giveObjectId: async (bisId, objectId) => void (server.employees.get(Number(bisId))!.externalRef = objectId),
      };
    },
    tearDown: async () => server?.stop(),
  };
}

const backends = [...ALL_TEST_ENGINES.filter(engineAvailable).map(sqlBackend), restBackend()];

async function readiness(config: string, ...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "readiness", "--config", config, ...args], { cwd: ROOT });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout + failed.stderr };
  }
}

type Row = Record<"user" | "outcome" | "bisIds" | "changes" | "reason" | "fix", string>;

for (const backend of backends) {
  describe(`readiness [${backend.name}]`, () => {
    let dir: string;
    let config: string;
    let bis: Awaited<ReturnType<Backend["setUp"]>>;
    beforeAll(async () => {
      bis = await backend.setUp();
      dir = mkdtempSync(path.join(tmpdir(), "readiness-"));
      config = path.join(dir, "config.yaml");
      writeFileSync(config, stringify({ mapping: bis.mapping, store: bis.store }));
    });
    afterAll(async () => backend.tearDown());

    const report = async (file: string, ...args: string[]) => {
      const out = path.join(dir, `report-${Math.random().toString(36).slice(2)}.csv`);
      const run = await readiness(config, "--users", file, "--out", out, ...args);
      const rows = parse(readFileSync(out), { columns: true }) as Row[];
      return { ...run, rows, byUser: Object.fromEntries(rows.map((r) => [r.user, r])) };
    };

    it("predicts each user's outcome of the first cycle, writing nothing, and exits 1 for the refused and ambiguous", async () => {
      const before = await bis.snapshot();
      const { code, stdout, rows, byUser } = await report(SAMPLE_CSV);
      expect(code).toBe(1);
      expect(rows.map((r) => [r.user, r.outcome, r.bisIds])).toEqual([
        ["Ada.Lovelace@example.com", "match", "1"],
        ["grace.hopper@example.com", "match", "4"],
        ["j.smith@example.com", "ambiguous", "2 3"],
        // Entra matches Alan's BIS user, then the bridge refuses its PATCH.
        ["alan.turing@example.com", "refused", "5"],
        ["old.timer@example.com", "match", "6"],
        ["new.hire@example.com", "create", ""],
        ["no.surname@example.com", "refused", ""],
      ]);
      // The first PATCH's changes, old -> new; what Entra does not send is not changed.
      expect(byUser["Ada.Lovelace@example.com"]!.changes).toContain('title: "Director of Operations" -> "Chief Operating Officer"');
      expect(byUser["Ada.Lovelace@example.com"]!.changes).toContain('externalId: (none) -> "6f0b1c2d-0001-4a4a-8a8a-000000000001"');
      expect(byUser["old.timer@example.com"]!.changes).toContain("active: false -> true");
      expect(byUser["grace.hopper@example.com"]!.changes).not.toContain("title");
      expect(byUser["alan.turing@example.com"]).toMatchObject({
        reason: expect.stringContaining('country "United Kingdom" is not an ISO 3166-1 alpha-2 or alpha-3 country code'),
        fix: expect.stringContaining("Switch()"),
      });
      expect(byUser["no.surname@example.com"]!.reason).toContain("name.familyName is required by BIS");
      expect(byUser["j.smith@example.com"]!.fix).toContain("merge these BIS users");
      expect(stdout).toMatch(/match\s+3 /);
      expect(stdout).toMatch(/refused\s+2 /);
      expect(stdout).toContain("Columns not read: userType, usageLocation, createdDateTime");
      expect(await bis.snapshot()).toEqual(before);
    });

    it("lists the BIS users no tenant user matches: Entra's cycle leaves them as they are", async () => {
      const lines = readFileSync(SAMPLE_CSV, "utf8").split("\n");
      const onlyAda = path.join(dir, "only-ada.csv");
      writeFileSync(onlyAda, `${lines[0]}\n${lines[1]}\n`);
      const { stdout, rows } = await report(onlyAda);
      expect(rows.filter((r) => r.outcome === "untouched").map((r) => [r.bisIds, r.user])).toEqual([
        ["2", "j.smith@example.com"],
        ["3", "J.Smith@Example.com"],
        ["4", "grace.hopper@example.com"],
        ["5", "alan.turing@example.com"],
        ["6", "old.timer@example.com"],
      ]);
      expect(stdout).toContain("BIS users no tenant user matches: 5");
    });

    it("gives the same report for the Graph JSON export of the same users", async () => {
      const csv = await report(SAMPLE_CSV);
      const json = await report(SAMPLE_JSON);
      expect(json.rows).toEqual(csv.rows);
    });

    it("applies the tenant's own attribute mappings: a Switch() of country names makes the refused user a match", async () => {
      const mappings = path.join(dir, "entra-mappings.yaml");
      writeFileSync(mappings, stringify({ attributes: { 'addresses[type eq "work"].country': { source: "country", values: { "United Kingdom": "GB" } }, "name.familyName": { source: "surname", default: "(none)" } } }));
      const { byUser } = await report(SAMPLE_CSV, "--entra-mappings", mappings);
      expect(byUser["alan.turing@example.com"]).toMatchObject({ outcome: "match", bisIds: "5" });
      expect(byUser["no.surname@example.com"]!.outcome).toBe("create");
    });

    // The reference REST API takes the location as free text: only the tables have lookups.
    it.skipIf(backend.name === "rest")("names the sites BIS does not know: left empty (missing: empty) or refused (missing: refuse), the users predicted so", async () => {
      const mappings = path.join(dir, "entra-location.yaml");
      writeFileSync(mappings, stringify({ attributes: { "urn:ietf:params:scim:schemas:extension:BIS:2.0:User:location": { source: "officeLocation" }, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': { source: "department", values: { Operations: "Plant Operations" } } } }));
      const leaving = await report(SAMPLE_CSV, "--entra-mappings", mappings);
      // Ada's office "Toronto HQ" is no BIS location: she still matches, her location predicted empty.
      expect(leaving.byUser["Ada.Lovelace@example.com"]).toMatchObject({
        outcome: "match",
        reason: 'urn:ietf:params:scim:schemas:extension:BIS:2.0:User:location: "Toronto HQ" is not a name BIS knows: provisioned with it left empty (missing: empty)',
        fix: 'add "Toronto HQ" to Locations in BIS before the first cycle (or correct it in Entra)',
      });
      // Her BIS location, Toronto, is replaced by nothing: what the bridge would store.
      expect(leaving.byUser["Ada.Lovelace@example.com"]!.changes).toContain('urn:ietf:params:scim:schemas:extension:BIS:2.0:User:location: "Toronto" -> (none)');
      expect(leaving.byUser["new.hire@example.com"]).toMatchObject({ outcome: "create", reason: expect.stringContaining('"Calgary Yard" is not a name BIS knows') });
      // Known sites, however cased, are no finding.
      expect(leaving.byUser["grace.hopper@example.com"]!.reason).toBe("");
      expect(leaving.stdout).toContain("Names BIS does not know");
      expect(leaving.stdout).toMatch(/1 {2}Locations: "Calgary Yard" \(urn:ietf:params:scim:schemas:extension:BIS:2\.0:User:location\): its users are provisioned with it left empty until it is added/);
      expect(leaving.stdout).toMatch(/1 {2}Locations: "Toronto HQ" /);
      expect(leaving.stdout).toMatch(/2 {2}Departments: "Plant Operations" \(urn:ietf:params:scim:schemas:extension:enterprise:2\.0:User:department\): added to the table by the first user's write/);

      const refusing = path.join(dir, "refusing.yaml");
      writeFileSync(refusing, readFileSync(REFERENCE_MAPPING, "utf8").replace("name: LocationName,   missing: empty }", "name: LocationName,   missing: refuse }"));
      const strictConfig = path.join(dir, "strict.yaml");
      writeFileSync(strictConfig, stringify({ mapping: refusing, store: bis.store }));
      const out = path.join(dir, "strict.csv");
      const strict = await readiness(strictConfig, "--users", SAMPLE_CSV, "--entra-mappings", mappings, "--out", out);
      const rows = Object.fromEntries((parse(readFileSync(out), { columns: true }) as Row[]).map((r) => [r.user, r]));
      expect(strict.code).toBe(1);
      expect(rows["Ada.Lovelace@example.com"]).toMatchObject({
        outcome: "refused",
        bisIds: "1",
        reason: '400 invalidValue: urn:ietf:params:scim:schemas:extension:BIS:2.0:User:location: "Toronto HQ" is not a known location in BIS, and the mapping does not allow creating it',
        fix: expect.stringContaining('add "Toronto HQ" to Locations in BIS'),
      });
      expect(rows["new.hire@example.com"]!.outcome).toBe("refused");
      expect(rows["grace.hopper@example.com"]!.outcome).toBe("match");
    });

    it("reports an employee number another BIS user holds as a conflict; matched on it, adopts or refuses as the mapping says", async () => {
      // Ada married: her new mailbox, her old employee number (the CSV's Ada row, renamed).
      const ada = readFileSync(SAMPLE_CSV, "utf8").split("\n")[1]!.replaceAll("Ada.Lovelace@example.com", "ada.king@example.com").replace("6f0b1c2d-0001", "6f0b1c2d-0a01");
      const married = path.join(dir, "married.csv");
      writeFileSync(married, `${readFileSync(SAMPLE_CSV, "utf8").split("\n")[0]}\n${ada}\n`);
      const { byUser } = await report(married);
      expect(byUser["ada.king@example.com"]).toMatchObject({
        outcome: "conflict",
        bisIds: "1",
        reason: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber "E1001" already belongs to BIS user 1 (ada.lovelace@example.com): Entra\'s create makes a second BIS user for this employee',
        fix: expect.stringContaining("correct its e-mail in BIS to ada.king@example.com"),
      });

      // With the employee number among the matching attributes, the bridge's create finds her BIS user.
      const matching = (duplicates: string) => {
        const file = path.join(dir, `matching-${duplicates}.yaml`);
        writeFileSync(file, readFileSync(bis.mapping, "utf8").replace(/matching:\n  duplicates: conflict[^\n]*\n/, `matching:\n  duplicates: ${duplicates}\n  attributes: [userName, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber']\n`));
        const config = path.join(dir, `matching-${duplicates}-config.yaml`);
        writeFileSync(config, stringify({ mapping: file, store: bis.store }));
        return config;
      };
      const out = path.join(dir, "adopt.csv");
      await readiness(matching("adopt"), "--users", married, "--out", out);
      const [adopted] = parse(readFileSync(out), { columns: true }) as Row[];
      expect(adopted).toMatchObject({ user: "ada.king@example.com", outcome: "match", bisIds: "1" });
      expect(adopted!.changes).toContain('userName: "ada.lovelace@example.com" -> "ada.king@example.com"');
      await readiness(matching("conflict"), "--users", married, "--out", out);
      const [refused] = parse(readFileSync(out), { columns: true }) as Row[];
      expect(refused).toMatchObject({ outcome: "conflict", bisIds: "1", reason: '409 uniqueness: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber "E1001" is already used by BIS user 1' });
    });

    it("reports Entra's object id that another BIS user already holds as a conflict", async () => {
      await bis.giveObjectId("5", "6f0b1c2d-0007-4a4a-8a8a-000000000007");
      const { byUser } = await report(SAMPLE_CSV);
      expect(byUser["new.hire@example.com"]).toMatchObject({ outcome: "conflict", bisIds: "5", reason: expect.stringContaining("already belongs to BIS user 5") });
      await bis.giveObjectId("5", null as unknown as string);
    });

    it("writes a self-contained HTML report: summary first, then every user, filterable", async () => {
      const out = path.join(dir, "report.html");
      await readiness(config, "--users", SAMPLE_CSV, "--out", out);
      const html = readFileSync(out, "utf8");
      expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('id="users"'));
      expect(html.match(/<tr data-outcome=/g)).toHaveLength(7);
      expect(html).toContain("<option value=\"untouched\">untouched BIS users (0)</option>");
      expect(html).toContain('<tr data-outcome="refused"><td>alan.turing@example.com</td>');
      expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    });
  });
}
