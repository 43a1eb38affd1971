import { describe, expect, it } from "vitest";
import corpus from "./filter-corpus.json" with { type: "json" };
import type { Filter, PatchPath } from "../../src/scim/filter-ast.js";
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseFilter, parsePatchPath } from "../../src/scim/filter-parser.js";
import { printFilter, printPatchPath } from "../../src/scim/filter-printer.js";
import { scimErrorOf } from "../support/scim-errors.js";

describe("parseFilter", () => {
  it.each(corpus.filters)("$name: $text", ({ text, expected }) => {
    expect(parseFilter(text)).toStrictEqual(expected as unknown as Filter);
  });

  it.each(corpus.errors)("rejects $name at position $position", ({ text, position, message }) => {
    const error = scimErrorOf(() => parseFilter(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe("invalidFilter");
    expect(error.detail).toContain(`position ${position}:`);
    expect(error.detail).toContain(message);
  });

  it("returns frozen nodes", () => {
    const filter = parseFilter('userName eq "x" and emails[type eq "work"]');
    expect(Object.isFrozen(filter)).toBe(true);
    if (filter.kind !== "and") throw new Error("expected and");
    expect(Object.isFrozen(filter.right)).toBe(true);
  });

  it(`accepts ${MAX_FILTER_DEPTH} nested groups and refuses one more`, () => {
    const nested = (n: number) => `${"(".repeat(n)}title pr${")".repeat(n)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toEqual({ kind: "present", path: { attribute: "title" } });
    const error = scimErrorOf(() => parseFilter(nested(MAX_FILTER_DEPTH + 1)));
    expect(error.scimType).toBe("invalidFilter");
    expect(error.detail).toBe(`invalid filter at position ${MAX_FILTER_DEPTH}: nesting is deeper than ${MAX_FILTER_DEPTH} levels`);
  });

  it("counts not (...) towards the depth limit", () => {
    const text = `${"not (".repeat(MAX_FILTER_DEPTH + 1)}title pr${")".repeat(MAX_FILTER_DEPTH + 1)}`;
    expect(scimErrorOf(() => parseFilter(text)).detail).toContain("nesting is deeper than");
  });

  it("parses a long and-chain without deep recursion", () => {
    const terms = Array.from({ length: 300 }, (_, i) => `a${i} pr`);
    let filter = parseFilter(terms.join(" and "));
    let depth = 0;
    while (filter.kind === "and") {
      filter = filter.left;
      depth++;
    }
    expect(depth).toBe(299);
  });

  it(`refuses text longer than ${MAX_FILTER_LENGTH} characters`, () => {
    const text = `userName eq "${"x".repeat(MAX_FILTER_LENGTH)}"`;
    const error = scimErrorOf(() => parseFilter(text));
    expect(error.scimType).toBe("invalidFilter");
    expect(error.detail).toContain(`at most ${MAX_FILTER_LENGTH}`);
  });
});

describe("printFilter", () => {
  it.each(corpus.filters)("round-trips $name", ({ text }) => {
    const parsed = parseFilter(text);
    const printed = printFilter(parsed);
    expect(parseFilter(printed)).toStrictEqual(parsed);
    expect(printFilter(parseFilter(printed))).toBe(printed);
  });

  it.each([
    ['userName EQ "x"', 'userName eq "x"'],
    ["externalId eq jyoung", 'externalId eq "jyoung"'],
    ['emails[type eq "work"].value eq "a@x"', 'emails[type eq "work" and value eq "a@x"]'],
    ["a pr and (b pr or c pr)", "a pr and (b pr or c pr)"],
    ["(a pr and b pr) or c pr", "a pr and b pr or c pr"],
    ["a pr or (b pr or c pr)", "a pr or (b pr or c pr)"],
    ["NOT((a pr))", "not (a pr)"],
    ["x eq -0", "x eq -0"],
    ['title eq "tab\there"', 'title eq "tab\\there"'],
  ])("prints %s canonically as %s", (text, canonical) => {
    expect(printFilter(parseFilter(text))).toBe(canonical);
  });
});

describe("parsePatchPath", () => {
  it.each(corpus.patchPaths)("$name: $text", ({ text, expected }) => {
    const parsed = parsePatchPath(text);
    expect(parsed).toStrictEqual(expected as unknown as PatchPath);
    expect(parsePatchPath(printPatchPath(parsed))).toStrictEqual(parsed);
  });

  it.each(corpus.patchPathErrors)("rejects $name at position $position", ({ text, position, message }) => {
    const error = scimErrorOf(() => parsePatchPath(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe("invalidPath");
    expect(error.detail).toContain(`invalid path at position ${position}:`);
    expect(error.detail).toContain(message);
  });
});
