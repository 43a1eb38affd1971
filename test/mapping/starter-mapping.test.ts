/**
 * introspect's starter mapping for a table whose flags are kept as text: it proposes their values
 * (Y/N, marked as a guess to confirm), so the mapping it writes loads, and `check` passes it,
 * instead of comparing a CHAR(1) flag with true/false (which hides every user).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { checkMapping } from "../../src/mapping/mapping-check.js";
import { starterMapping } from "../../src/mapping/starter-mapping.js";
import type { ColumnInfo, TableInfo } from "../../src/store/sql/introspection/database-schema.js";

const column = (name: string, type: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name, type, nullable: false, generated: false, ...extra });

const tblEmployee: TableInfo = {
  name: "tblEmployee",
  primaryKey: ["EmpID"],
  columns: [
    column("EmpID", "int", { generated: true }),
    column("EMail_Address", "varchar", { maxLength: 200 }),
    column("FirstName", "varchar", { maxLength: 80 }),
    column("LastName", "varchar", { maxLength: 80 }),
    column("Active", "char", { maxLength: 1, generated: true }),
    column("Deleted", "char", { maxLength: 1, generated: true }),
    column("IsManager", "bit", { nullable: true }),
  ],
  indexes: [{ name: "IX_Email", columns: ["EMail_Address"], unique: false }],
};

function load(text: string) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "starter-")), "mapping.yaml");
  writeFileSync(file, text);
  return loadMapping(file);
}

it("proposes Y/N values for CHAR(1) active and deleted flags, marked as a guess", () => {
  const text = starterMapping(tblEmployee);
  expect(text).toContain('deleted: { column: Deleted, values: { "true": Y, "false": N } }   # a text flag: Y/N guessed');
  expect(text).toMatch(/\{ scim: active, column: Active, valueType: boolean, values: \{ "true": Y, "false": N \}.*\}   # a text flag: Y\/N guessed/);
  const mapping = load(text);
  expect(mapping.model).toMatchObject({ deletedColumn: "Deleted", deletedValues: { deleted: "Y", live: "N" } });
  const flagFindings = checkMapping(mapping, [tblEmployee], { needsFoldedIndexes: false }).filter((f) => f.subject === "user.deleted" || f.subject.includes("(active)"));
  expect(flagFindings).toEqual([]);
});

it("proposes the country transform for the column's own form: CHAR(3) alpha-3, an integer numeric, else alpha-2", () => {
  const withCountry = (country: ColumnInfo) => starterMapping({ ...tblEmployee, columns: [...tblEmployee.columns, country] });
  expect(withCountry(column("Country", "char", { maxLength: 3 }))).toContain("column: Country, transform: country-alpha3");
  expect(withCountry(column("CountryCode", "smallint"))).toContain("column: CountryCode, transform: country-numeric");
  expect(withCountry(column("CountryCode", "nvarchar", { maxLength: 2 }))).toContain("column: CountryCode, transform: country-alpha2");
});

it("keeps a BIT deleted flag a plain column name", () => {
  const bitDeleted = { ...tblEmployee, columns: tblEmployee.columns.map((c) => (c.name === "Deleted" ? { ...c, type: "bit" } : c)) };
  expect(starterMapping(bitDeleted)).toContain("  deleted: Deleted\n");
});
