/** `check` reads the live database's schema and reports what would break provisioning. */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { checkMapping } from "../../src/mapping/mapping-check.js";
import { checkReferences } from "../../src/mapping/reference-check.js";
import { dialectFor } from "../../src/store/sql/engines/dialects.js";
import { sqlReferenceData } from "../../src/store/sql/reference-data.js";
import { checkOptionsFor, comparesCaseSensitively, readDatabaseSchema } from "../../src/store/sql/introspection/database-schema.js";
import { storeOn } from "../store/store-fixtures.js";
import { createTestDatabase, describeEachEngine, type TestDatabase } from "../support/databases.js";
import { REFERENCE_MAPPING, ROOT } from "../support/paths.js";
import { mappingVariant } from "../support/mapping-variant.js";

describeEachEngine("check", (engine) => {
  const t = storeOn(engine);
  const findingsFor = async (mappingFile: string) =>
    checkMapping(loadMapping(mappingFile), await readDatabaseSchema(t.database.knex, engine), { needsFoldedIndexes: comparesCaseSensitively(engine) });

  it("finds nothing wrong with the reference mapping on the reference schema", async () => {
    expect(await findingsFor(REFERENCE_MAPPING)).toEqual([]);
  });

  it("names a missing column, an uncovered NOT NULL column and a length longer than the column", async () => {
    const file = mappingVariant((text) =>
      text
        .replace("column: JobTitle, maxLength: 150", "column: JobTitel, maxLength: 150")
        .replace("  - { scim: name.familyName, column: LastName, required: true, maxLength: 100 }\n", "")
        .replace("column: City, maxLength: 100", "column: City, maxLength: 300")
        .replace("column: Province, required: true, maxLength: 100", "column: Province, maxLength: 100"),
    );
    const findings = await findingsFor(file);
    expect(findings).toContainEqual(expect.objectContaining({ level: "error", message: "column Users.JobTitel does not exist" }));
    expect(findings).toContainEqual(expect.objectContaining({ level: "error", subject: "Users.LastName", message: expect.stringContaining("no attribute writes it") }));
    expect(findings).toContainEqual(expect.objectContaining({ level: "warning", subject: "Users.Province", fix: 'add required: true to addresses[type eq "work"].region' }));
    if (engine !== "sqlite") {
      // The SQLite port declares TEXT without lengths; the server ports keep NVARCHAR(n)'s.
      expect(findings).toContainEqual(expect.objectContaining({ level: "error", message: expect.stringMatching(/maxLength 300 is longer than Users\.City \(.*\(100\)\)/), fix: "set maxLength: 100" }));
    }
  });

  it("names a text date format on a DATE column and a date-time on a column without time", async () => {
    const file = mappingVariant((t) =>
      t
        .replace("column: StartDate, valueType: date }", "column: StartDate, valueType: date, dateFormat: DD.MM.YYYY }")
        .replace("column: TerminationDate, valueType: date }", "column: TerminationDate, valueType: dateTime, timeZone: Europe/Berlin }"),
    );
    const findings = await findingsFor(file);
    // The SQLite port keeps dates as TEXT, which takes any format and a time as well.
    if (engine === "sqlite") return expect(findings).toEqual([]);
    expect(findings).toContainEqual(expect.objectContaining({ level: "error", message: "dateFormat DD.MM.YYYY writes text, but Users.StartDate (date) is not a text column" }));
    expect(findings).toContainEqual(expect.objectContaining({ level: "error", message: "Users.TerminationDate (date) keeps no time of day: a dateTime would lose it", fix: "use valueType: date" }));
  });

  it("warns with the DDL when no index serves a filterable attribute", async () => {
    await t.database.knex.schema.alterTable("Users", (table) => table.dropIndex(["AzureObjectId"], "IX_Users_AzureObjectId"));
    try {
      const findings = await findingsFor(REFERENCE_MAPPING);
      expect(findings).toEqual([
        expect.objectContaining({
          level: "warning",
          subject: "attributes[2] (externalId)",
          fix: "CREATE INDEX IX_Users_AzureObjectId ON Users (AzureObjectId);",
        }),
      ]);
    } finally {
      await t.database.knex.schema.alterTable("Users", (table) => table.index(["AzureObjectId"], "IX_Users_AzureObjectId"));
    }
  });

  it("suggests index DDL that runs as printed on this engine, after which the warning is gone", async () => {
    const options = checkOptionsFor(engine);
    // The schema's own names (Babelfish's catalog answers its internal index names, which DROP INDEX does not take).
    const emailIndexes = ["IX_Users_Email", ...(engine === "postgres" ? ["IX_Users_Email_lower", "IX_Users_Email_lower_prefix"] : [])];
    for (const index of emailIndexes) await t.database.knex.schema.alterTable("Users", (table) => table.dropIndex([], index));
    const missing = checkMapping(loadMapping(REFERENCE_MAPPING), await readDatabaseSchema(t.database.knex, engine), options).filter((f) => f.subject === "attributes[0] (userName)");
    expect(missing).toHaveLength(1);
    await t.database.knex.raw(missing[0]!.fix!);
    expect(checkMapping(loadMapping(REFERENCE_MAPPING), await readDatabaseSchema(t.database.knex, engine), options).filter((f) => f.subject === "attributes[0] (userName)")).toEqual([]);
  });

  it("names a table or column written in another case where the engine compares names with case", async () => {
    const file = mappingVariant((text) => text.replace("  table: Users\n", "  table: users\n").replace("column: JobTitle,", "column: jobtitle,"));
    const findings = checkMapping(loadMapping(file), await readDatabaseSchema(t.database.knex, engine), checkOptionsFor(engine));
    const caseErrors = findings.filter((f) => f.message.includes("compares names with case"));
    const expected = {
      sqlite: [],
      mssql: [],
      mariadb: [{ level: "error", subject: "users", message: "table users is written Users in the database, and this engine compares names with case: every query would fail", fix: "write Users" }],
      postgres: [
        { level: "error", subject: "users", message: "table users is written Users in the database, and this engine compares names with case: every query would fail", fix: "write Users" },
        { level: "error", subject: "users.jobtitle", message: "column users.jobtitle is written Users.JobTitle in the database, and this engine compares names with case: every query would fail", fix: "write Users.JobTitle" },
      ],
    }[engine];
    expect(caseErrors).toEqual(expected);
  });

  it("exits 1 from the command line when a finding would break provisioning", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "check-cli-"));
    const config = (mapping: string) => {
      const file = path.join(dir, `config-${path.basename(path.dirname(mapping))}.yaml`);
      writeFileSync(file, stringify({ mapping, store: t.database.config }));
      return file;
    };
    const cli = (file: string) => promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "check", "--config", file], { cwd: ROOT });
    const good = await cli(config(REFERENCE_MAPPING));
    // Each lookup's policy for names BIS does not know, in words.
    expect(good.stdout).toMatch(/^ {2}location: Locations\.LocationName via Users\.LocationID; a name BIS does not know is left empty on the user and reported .*\(missing: empty\)$/m);
    expect(good.stdout).toMatch(/^ {2}department: .* is added to the table \(missing: create\)$/m);
    // The demo rows hold one legacy duplicate (users 2 and 3): reported, not an error.
    expect(good.stdout).toMatch(/WARNING Users\.Email: 2 users share the e-mail j\.smith@example\.com \(ids 2, 3\)/i);
    expect(good.stdout).toContain("0 error(s), 1 warning(s)");
    const broken = mappingVariant((text) => text.replace("column: JobTitle,", "column: JobTitel,"));
    await expect(cli(config(broken))).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/ERROR\s+attributes\[7\] \(title\): column Users\.JobTitel does not exist/) });
  });
});

describeEachEngine("check: lookups and references resolve in the live data", (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine); // no rows: the lookup tables are empty
  });
  afterAll(async () => {
    await db?.drop();
  });
  const referenceFindings = (mappingFile: string) => checkReferences(loadMapping(mappingFile), sqlReferenceData(db.knex, dialectFor(engine)));

  it("an empty lookup that refuses missing names is an error, one that leaves them empty a warning, one that creates them nothing", async () => {
    // The reference mapping leaves unknown locations empty: every location would be.
    expect(await referenceFindings(REFERENCE_MAPPING)).toEqual([
      expect.objectContaining({
        level: "warning",
        subject: "lookups.location",
        message: "Locations is empty and the lookup leaves names it does not know empty: every user's urn:ietf:params:scim:schemas:extension:BIS:2.0:User:location would be left empty (and reported)",
        fix: "fill Locations, or set missing: create",
      }),
    ]);
    const refusing = mappingVariant((text) => text.replace("name: LocationName,   missing: empty }", "name: LocationName,   missing: refuse }"));
    expect(await referenceFindings(refusing)).toEqual([
      expect.objectContaining({
        level: "error",
        subject: "lookups.location",
        message: "Locations is empty and the lookup refuses names it does not know: every urn:ietf:params:scim:schemas:extension:BIS:2.0:User:location Entra sends would be refused with 400",
        fix: "fill Locations, or set missing: create",
      }),
    ]);
    const config = path.join(mkdtempSync(path.join(tmpdir(), "check-refs-")), "config.yaml");
    writeFileSync(config, stringify({ mapping: refusing, store: db.config }));
    const run = promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "check", "--config", config], { cwd: ROOT });
    await expect(run).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/ERROR\s+lookups\.location: Locations is empty/) });
  });

  it("refuses missing: empty on a NOT NULL lookup column, naming the fix", async () => {
    // This install's Users table as read from the database, with LocationID declared NOT NULL.
    const tables = (await readDatabaseSchema(db.knex, engine)).map((table) =>
      table.name !== "Users" ? table : { ...table, columns: table.columns.map((c) => (c.name === "LocationID" ? { ...c, nullable: false } : c)) },
    );
    const finding = {
      level: "error",
      subject: "lookups.location.missing",
      message: "missing: empty leaves Users.LocationID empty for an unknown location, but the column is NOT NULL: every such user would fail in the database",
      fix: "allow NULL in Users.LocationID, or use missing: create or missing: refuse",
    };
    expect(checkMapping(loadMapping(REFERENCE_MAPPING), tables, checkOptionsFor(engine))).toContainEqual(finding);
    const refusing = mappingVariant((text) => text.replace("name: LocationName,   missing: empty }", "name: LocationName,   missing: refuse }"));
    expect(checkMapping(loadMapping(refusing), tables, checkOptionsFor(engine))).not.toContainEqual(expect.objectContaining({ subject: "lookups.location.missing" }));
  });

  it("names lookup rows that share a name ignoring case, and fixed values that name no row", async () => {
    // The reference schema keeps lookup names unique; an install without that index may not.
    await db.knex.schema.alterTable("Locations", (table) => table.dropIndex(["LocationName"], "UX_Locations_Name"));
    await db.knex("Locations").insert([{ LocationName: "Calgary" }, { LocationName: "Toronto" }, { LocationName: "CALGARY" }]);
    const [calgary, , upper] = (await db.knex("Locations").orderBy("LocationID").pluck("LocationID")).map(String);
    const file = mappingVariant((t) =>
      t
        .replace("  department: { column: DepartmentID, table: Departments, key: DepartmentID, name: DepartmentName, missing: create }\n", "")
        .replace("  - { scim: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', lookup: department, maxLength: 100 }\n", "")
        .replace("lookup: location, maxLength: 100 }", "lookup: location, maxLength: 100, values: { Head office: toronto, Moon base: Luna }, default: Gotham }")
        .replace("dependents:", "constants:\n  - { column: DepartmentID, value: 4711 }\ndependents:"),
    );
    const findings = await referenceFindings(file);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: "warning", subject: "lookups.location", message: `2 rows of Locations are named "calgary" ignoring case (keys ${calgary}, ${upper}): users get the lowest key, ${calgary}` }),
        expect.objectContaining({ level: "error", subject: expect.stringContaining("BIS:2.0:User:location"), message: expect.stringMatching(/^the value map's "Luna" is not a name in Locations\.LocationName, and lookup location leaves names it does not know empty: it would never be stored/) }),
        expect.objectContaining({ level: "error", subject: expect.stringContaining("BIS:2.0:User:location"), message: expect.stringMatching(/^the default "Gotham" is not a name in Locations\.LocationName/) }),
        expect.objectContaining({ level: "error", subject: "constants[0]", message: 'the constant "4711" is not in Departments.DepartmentID, which Users.DepartmentID references: writing it would fail in the database' }),
      ]),
    );
    // "toronto" is Toronto ignoring case, as the lookup itself matches.
    expect(findings).toHaveLength(4);
    await db.knex.transaction(async (trx) => {
      // SQL Server takes an explicit IDENTITY value only with IDENTITY_INSERT on, in that session.
      if (engine === "mssql") await trx.raw("SET IDENTITY_INSERT Departments ON");
      await trx("Departments").insert({ DepartmentID: 4711, DepartmentName: "Imported" });
      if (engine === "mssql") await trx.raw("SET IDENTITY_INSERT Departments OFF");
    });
    expect((await referenceFindings(file)).filter((f) => f.subject === "constants[0]")).toEqual([]);
  });
});
