import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { BIS_REQUIRED_ATTRIBUTES } from "../support/bis-tutorial.js";
import { REFERENCE_MAPPING } from "../support/paths.js";
import { mappingVariant } from "../support/mapping-variant.js";

describe("the reference mapping", () => {
  const mapping = loadMapping(REFERENCE_MAPPING);

  it("compiles the reference schema's tables into the store model", () => {
    expect(mapping.model).toMatchObject({
      table: "Users",
      keyColumn: "UserID",
      emailColumn: "Email",
      activeColumn: "IsActive",
      deletedColumn: "IsDeleted",
      selfReferences: ["SupervisorID"],
      dependents: [{ table: "TrainingRecords", column: "UserID" }],
    });
    expect(mapping.model.lookups.map((l) => [l.name, l.table, l.onMissing])).toEqual([
      ["department", "Departments", "create"],
      ["location", "Locations", "empty"],
    ]);
    expect(mapping.model.children).toEqual([{ name: "phones", table: "UserPhones", parentColumn: "UserID", typeColumn: "PhoneType", valueColumn: "Number" }]);
    expect(mapping.model.columns).toContain("CountryCode");
    expect(mapping.model.columns).not.toContain("DepartmentID");
  });

  it("maps every attribute of the BIS tutorial's table", () => {
    const names = mapping.attributes.map((a) => a.name);
    for (const expected of [
      "userName",
      "active",
      'emails[type eq "work"].value',
      "name.givenName",
      "name.familyName",
      'addresses[type eq "work"].region',
      'addresses[type eq "work"].country',
      'phoneNumbers[type eq "mobile"].value',
      "externalId",
      "title",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
      "urn:ietf:params:scim:schemas:extension:BIS:2.0:User:terminationdate",
    ]) {
      expect(names).toContain(expected);
    }
    const required = mapping.attributes.filter((a) => a.entry.required).map((a) => a.name);
    expect(required.sort()).toEqual([...BIS_REQUIRED_ATTRIBUTES].sort());
  });
});

describe("mapping errors name file, line and key", () => {
  it("an unknown SCIM attribute", () => {
    const file = mappingVariant((t) => t.replace("scim: title,", "scim: titel,"));
    expect(() => loadMapping(file)).toThrowError(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}[\\s\\S]*line \\d+, key attributes\\[7\\]\\.scim: unknown SCIM attribute "titel"`));
  });

  it("a lookup that is not declared", () => {
    const file = mappingVariant((t) => t.replace("lookup: location,", "lookup: site,"));
    expect(() => loadMapping(file)).toThrowError(/line \d+, key attributes\[18\]\.lookup: no lookup named "site"/);
  });

  it("a bad enum value, at its own line", () => {
    const file = mappingVariant((t) => t.replace("delete: soft", "delete: sometimes"));
    const line = readFileSync(file, "utf8").split("\n").findIndex((l) => l.startsWith("delete:")) + 1;
    expect(() => loadMapping(file)).toThrowError(new RegExp(`line ${line}, key delete`));
  });

  it("two attributes writing one column", () => {
    const file = mappingVariant((t) => t.replace("column: Email, write: false", "column: Email"));
    expect(() => loadMapping(file)).toThrowError(/both write column Email/);
  });

  it("an attribute with neither column, lookup nor child", () => {
    const file = mappingVariant((t) => t.replace("{ scim: title, column: JobTitle, maxLength: 150 }", "{ scim: title }"));
    expect(() => loadMapping(file)).toThrowError(/key attributes\[7\]: give exactly one of column, columns, /);
  });

  it("delete: deactivate without an active column", () => {
    const file = mappingVariant((t) => t.replace("delete: soft", "delete: deactivate").replace("  - { scim: active, column: IsActive, valueType: boolean, required: true, filter: refine }\n", ""));
    expect(() => loadMapping(file)).toThrowError(/line \d+, key delete: delete: deactivate needs the active attribute/);
  });

  it("a replacement that is no regular expression, and a phone transform without its country", () => {
    const file = mappingVariant((t) =>
      t
        .replace("{ scim: title, column: JobTitle, maxLength: 150 }", "{ scim: title, column: JobTitle, maxLength: 150, replace: { pattern: '([a-z', with: '' } }")
        .replace("child: phones, type: WORK, maxLength: 40", "child: phones, type: WORK, maxLength: 40, transform: phone-e164"),
    );
    expect(() => loadMapping(file)).toThrowError(/key attributes\[7\]\.replace\.pattern: pattern is not a valid regular expression[\s\S]*key attributes\[13\]\.defaultCountry: phone-e164 needs defaultCountry/);
  });

  it("a matching attribute no index serves", () => {
    const file = mappingVariant((t) => t.replace("duplicates: conflict", "duplicates: conflict\n  attributes: [userName, title]"));
    expect(() => loadMapping(file)).toThrowError(/line 39, key attributes\[7\]\.filter: "title" is matched on by creates \(matching\.attributes\): give it filter: indexed/);
  });

  it("userName without filter: indexed is reported at its own line, matched on by default", () => {
    const file = mappingVariant((t) => t.replace("{ scim: userName, column: Email, required: true, maxLength: 256, filter: indexed }", "{ scim: userName, column: Email, required: true, maxLength: 256 }"));
    expect(() => loadMapping(file)).toThrowError(/line 31, key attributes\[0\]\.filter: "userName" is matched on by creates \(matching\.attributes, by default\): give it filter: indexed/);
  });

  it("a matching attribute that is not mapped to a column", () => {
    const file = mappingVariant((t) => t.replace("duplicates: conflict", "duplicates: conflict\n  attributes: [userName, nickName]"));
    expect(() => loadMapping(file)).toThrowError(/key matching\.attributes\[1\]: "nickName" must be a mapped attribute on a user-table column with filter: indexed/);
  });

  it("a write statement naming a parameter the bridge does not pass, and write.delete beside delete: deactivate", () => {
    const file = mappingVariant((t) =>
      t.replace("delete: soft", "delete: deactivate\nwrite:\n  update: { sql: 'CALL usp_UpdateUser(:UserID, :Email, :Nickname)' }\n  delete: { sql: 'CALL usp_DeleteUser(:UserID)' }"),
    );
    expect(() => loadMapping(file)).toThrowError(/key write\.delete: delete: deactivate is an update[\s\S]*key write\.update\.sql: :Nickname is not among its parameters \(:Email, .*:UserID\)/);
  });

  it("date formats, time zones and split columns that cannot work", () => {
    const file = mappingVariant((t) =>
      t
        .replace("column: StartDate, valueType: date }", "column: StartDate, valueType: date, dateFormat: DD.MM.YYY, timeZone: Europe/Berlln }")
        .replace("column: TerminationDate, valueType: date }", "column: TerminationDate, valueType: dateTime, dateFormat: DD.MM.YYYY }")
        .replace("{ scim: 'addresses[type eq \"work\"].streetAddress', column: Street, maxLength: 200 }", "{ scim: 'addresses[type eq \"work\"].streetAddress', columns: [Street, HouseNo], filter: refine }"),
    );
    expect(() => loadMapping(file)).toThrowError(
      /key attributes\[8\]\.separator: columns and separator go together[\s\S]*key attributes\[8\]\.columns: columns holds a string's parts: no valueType other than string, no values map, no filter[\s\S]*key attributes\[19\]\.dateFormat: "DD\.MM\.YYY": "Y" is no date token[\s\S]*key attributes\[19\]\.timeZone: must be an IANA time zone[\s\S]*key attributes\[20\]\.dateFormat: "DD\.MM\.YYYY" has no time: a dateTime needs the hour \(HH\) and minutes \(mm\)/,
    );
  });

  it("YAML syntax errors with their line", () => {
    const file = mappingVariant((t) => t.replace("version: 1", "version: [1"));
    expect(() => loadMapping(file)).toThrowError(/line \d+:/);
  });
});
