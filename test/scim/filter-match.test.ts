import { describe, expect, it } from "vitest";
import { matchesFilter } from "../../src/scim/filter-match.js";
import { parseFilter } from "../../src/scim/filter-parser.js";
import { findAttribute } from "../../src/scim/schema-definitions.js";
import { ScimError } from "../../src/scim/scim-error.js";
import { URN } from "../../src/scim/schema-urns.js";

const emails = findAttribute(URN.user, "emails")!;
const manager = findAttribute(URN.enterpriseUser, "manager")!;
const workEmail = { type: "work", value: "Jane.Doe@Contoso.com", primary: true };

// Each row: filter, a matching element, a non-matching element (SCIMple's match + non-match habit).
const rows: [string, object, object][] = [
  ['type eq "work"', workEmail, { type: "home", value: "x" }],
  ['type eq "WORK"', workEmail, { type: "other" }],
  ['TYPE Eq "Work"', workEmail, { value: "x" }],
  ['value eq "jane.doe@contoso.com"', workEmail, { value: "jane@contoso.com" }],
  ['value co "DOE@"', workEmail, { value: "jd@contoso.com" }],
  ['value sw "jane"', workEmail, { value: "xjane" }],
  ['value ew ".COM"', workEmail, { value: "a@b.org" }],
  ['value ne "x"', workEmail, { value: "X" }],
  ["value pr", workEmail, { type: "work", value: "" }],
  ["primary eq true", workEmail, { primary: false }],
  ['primary eq "True"', workEmail, { type: "work" }],
  ["primary eq False", { primary: false }, workEmail],
  ['type eq "work" and value co "contoso"', workEmail, { type: "work", value: "a@fabrikam.com" }],
  ['type eq "home" or value co "contoso"', workEmail, { type: "work", value: "a@fabrikam.com" }],
  ['not (type eq "home")', workEmail, { type: "home" }],
  ["display eq null", workEmail, { display: "Jane" }],
  ['value gt "j"', workEmail, { value: "a@x" }],
  ['value le "k"', workEmail, { value: "z@x" }],
];

describe("matchesFilter", () => {
  it.each(rows)("%s", (text, match, miss) => {
    const filter = parseFilter(text);
    expect(matchesFilter(filter, match, emails)).toBe(true);
    expect(matchesFilter(filter, miss, emails)).toBe(false);
  });

  it("compares caseExact sub-attributes exactly (manager.value)", () => {
    const filter = parseFilter('value eq "AbC"');
    expect(matchesFilter(filter, { value: "AbC" }, manager)).toBe(true);
    expect(matchesFilter(filter, { value: "abc" }, manager)).toBe(false);
  });

  it("refuses a nested value path", () => {
    const filter = { kind: "valuePath", path: { attribute: "x" }, filter: parseFilter("a pr") } as const;
    expect(() => matchesFilter(filter, workEmail, emails)).toThrow(ScimError);
  });

  it("refuses substring operators on booleans", () => {
    expect(() => matchesFilter(parseFilter("primary co true"), workEmail, emails)).toThrow(/needs a string value/);
  });
});
