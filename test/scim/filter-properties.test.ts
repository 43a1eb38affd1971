import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AttributePath, Filter, FilterValue } from "../../src/scim/filter-ast.js";
import { COMPARE_OPERATORS } from "../../src/scim/filter-ast.js";
import * as node from "../../src/scim/filter-nodes.js";
import { parseFilter, parsePatchPath } from "../../src/scim/filter-parser.js";
import { printFilter } from "../../src/scim/filter-printer.js";
import { ScimError } from "../../src/scim/scim-error.js";

// `not` cannot name an attribute: `not eq 1` reads as the keyword.
const name = fc.stringMatching(/^\$?[A-Za-z][A-Za-z0-9_-]{0,8}$/).filter((n) => n.toLowerCase() !== "not");
const schema = fc.constantFrom(
  "urn:ietf:params:scim:schemas:core:2.0:User",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
  "urn:ietf:params:scim:schemas:extension:BIS:2.0:User",
);
const path: fc.Arbitrary<AttributePath> = fc
  .tuple(name, fc.option(name, { nil: undefined }), fc.option(schema, { nil: undefined }))
  .map(([attribute, sub, urn]) => node.attributePath(attribute, sub, urn));
const value: fc.Arbitrary<FilterValue> = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.tuple(path, fc.constantFrom(...COMPARE_OPERATORS), value).map(([p, op, v]) => node.compare(p, op, v)),
  path.map(node.present),
);

function tree(atom: fc.Arbitrary<Filter>, depth: number): fc.Arbitrary<Filter> {
  if (depth === 0) return atom;
  const sub = tree(atom, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: atom },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([l, r]) => node.and(l, r)) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([l, r]) => node.or(l, r)) },
    { weight: 1, arbitrary: sub.map(node.not) },
  );
}

const inner = tree(leaf, 3);
const withValuePaths = fc.oneof(leaf, fc.tuple(path.map((p) => node.attributePath(p.attribute, undefined, p.schema)), inner).map(([p, f]) => node.valuePath(p, f)));
const filter = tree(withValuePaths, 4);

describe("filter properties", () => {
  it("parse(print(ast)) equals the ast", () => {
    fc.assert(
      fc.property(filter, (ast) => {
        expect(parseFilter(printFilter(ast))).toStrictEqual(ast);
      }),
      { numRuns: 500 },
    );
  });

  it("throws nothing but ScimError on arbitrary text", () => {
    const alphabet = fc.constantFrom(..."abcXYZ019 .:[]()\"\\-$_eqandorotpr\t\n".split(""), "eq", "and", "or", "not", "pr", "urn:x:y", "[", '"', "\\u");
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 60 }), fc.array(alphabet, { maxLength: 40 }).map((parts) => parts.join(" ")));
    fc.assert(
      fc.property(text, (input) => {
        for (const parse of [parseFilter, parsePatchPath]) {
          try {
            parse(input);
          } catch (error) {
            expect(error).toBeInstanceOf(ScimError);
            expect((error as ScimError).detail).toMatch(/position \d+/);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("printing is stable: print(parse(print(parse(x)))) equals print(parse(x))", () => {
    const words = fc.constantFrom("userName", "title", "emails", "eq", "co", "pr", "and", "or", "not", "(", ")", '"x"', "1", "true", "[", "]", "type", ".value");
    fc.assert(
      fc.property(fc.array(words, { maxLength: 12 }), (parts) => {
        let first: string;
        try {
          first = printFilter(parseFilter(parts.join(" ")));
        } catch {
          return;
        }
        expect(printFilter(parseFilter(first))).toBe(first);
      }),
      { numRuns: 2000 },
    );
  });
});
