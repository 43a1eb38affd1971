/**
 * Property-based tests (fast-check) of the filter parser and the PATCH engine, beyond
 * test/scim: filter *text* drawn from the grammar (with Entra's spacing and case) and run all
 * the way to SQL on a real database; PATCH messages of arbitrary shape applied to a real user
 * and mapped to BIS. Nothing may throw anything but a SCIM error (or the store's refusal of a
 * filter, itself a 400), and parse -> print -> parse is stable.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMapping, type CompiledMapping } from "../../src/mapping/compiled-mapping.js";
import { mapFilter } from "../../src/mapping/filter-mapper.js";
import { toBis, toScim } from "../../src/mapping/user-mapper.js";
import { parseFilter, parsePatchPath } from "../../src/scim/filter-parser.js";
import { printFilter, printPatchPath } from "../../src/scim/filter-printer.js";
import { applyPatch } from "../../src/scim/patch-apply.js";
import { ScimError } from "../../src/scim/scim-error.js";
import { URN } from "../../src/scim/schema-urns.js";
import { parseUserResource } from "../../src/scim/user-resource.js";
import { UnsupportedQueryError } from "../../src/store/store-errors.js";
import { createSqlUserStore, type SqlUserStore } from "../../src/store/sql/sql-user-store.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { REFERENCE_MAPPING } from "../support/paths.js";
import { recordCases } from "./support/results.js";

const RUNS = 1000;

/** Runs the property; records how many runs were tried and whether all passed. */
function check<T>(name: string, property: fc.IProperty<T> | fc.IAsyncProperty<T>, numRuns = RUNS): Promise<void> | void {
  const record = (details: fc.RunDetails<T>) => {
    recordCases("properties", name, details.numRuns, details.failed ? details.numRuns - 1 : details.numRuns);
    if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? `${name} failed`);
  };
  const result = fc.check(property as fc.IProperty<T>, { numRuns });
  if (result instanceof Promise) return result.then(record);
  record(result);
}

const ATTRIBUTES = [
  "userName", "USERNAME", "externalId", "id", "active", "title", "displayName", "name.givenName", "name.familyName",
  "emails.value", "emails.type", "emails", "addresses", "phoneNumbers.value", "meta.created", "meta.lastModified",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
  "urn:ietf:params:scim:schemas:core:2.0:User:userName", "nosuch", "name",
];
const OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Eq", "SW"];
const VALUES = fc.oneof(
  fc.constantFrom('"ada.lovelace@example.com"', '"J.SMITH@example.com"', '"x"', '""', "true", "false", "null", "42", "-1.5e3", '"2020-01-01T00:00:00Z"', '"%"', '"_"', '"\\""', '"\\u00e9"'),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
);
const space = fc.constantFrom(" ", "  ", "\t", " ");

/** Filter text from the RFC 7644 grammar, with the spacing and case variants clients send. */
const filterText: fc.Arbitrary<string> = fc.letrec<{ filter: string; atom: string }>((tie) => ({
  atom: fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...ATTRIBUTES), space, fc.constantFrom(...OPERATORS), space, VALUES).map((p) => p.join("")) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ATTRIBUTES), fc.constantFrom(" pr", " PR")).map((p) => p.join("")) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("emails", "addresses", "phoneNumbers"), tie("filter")).map(([a, f]) => `${a}[${f}]`) },
    { weight: 1, arbitrary: tie("filter").map((f) => `(${f})`) },
    { weight: 1, arbitrary: tie("filter").map((f) => `not (${f})`) },
  ),
  filter: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 3, arbitrary: tie("atom") },
    { weight: 1, arbitrary: fc.tuple(tie("atom"), fc.constantFrom(" and ", " or ", " AND ", " Or "), tie("filter")).map((p) => p.join("")) },
  ),
})).filter;

/** Filter text near the grammar: grammar text with a character inserted, dropped or swapped. */
const brokenFilterText = fc.tuple(filterText, fc.nat(), fc.constantFrom("", '"', "(", ")", "[", "]", " ", "\\", "\u0000", "\ud800", "'", ";", "--")).map(([text, at, insert]) => {
  const i = at % (text.length + 1);
  return text.slice(0, i) + insert + text.slice(i + (insert === "" ? 1 : 0));
});

const isRefusal = (error: unknown) => error instanceof ScimError || error instanceof UnsupportedQueryError;

describe("filter parser", () => {
  it("parse -> print -> parse gives the same AST for filter text from the grammar", () =>
    check(
      "filter: parse-print-parse stable",
      fc.property(filterText, (text) => {
        let ast;
        try {
          ast = parseFilter(text);
        } catch (error) {
          if (error instanceof ScimError) return; // e.g. a value path inside a value path
          throw error;
        }
        const printed = printFilter(ast);
        expect(parseFilter(printed)).toStrictEqual(ast);
        expect(printFilter(parseFilter(printed))).toBe(printed);
      }),
    ));

  it("throws nothing but a SCIM error on grammar text with one character broken", () =>
    check(
      "filter: broken text refused cleanly",
      fc.property(brokenFilterText, (text) => {
        try {
          parseFilter(text);
        } catch (error) {
          if (!(error instanceof ScimError) || error.status !== 400) throw error;
        }
      }),
    ));

  it("patch paths: parse -> print -> parse is stable, and nothing but a SCIM error is thrown", () =>
    check(
      "patch path: parse-print-parse stable",
      fc.property(
        fc.oneof(
          fc.tuple(fc.constantFrom(...ATTRIBUTES), fc.option(filterText, { nil: undefined }), fc.option(fc.constantFrom("value", "region", "type"), { nil: undefined })).map(
            ([a, f, sub]) => (f === undefined ? a : `${a}[${f}]${sub ? `.${sub}` : ""}`),
          ),
          fc.string({ maxLength: 30 }),
        ),
        (text) => {
          let path;
          try {
            path = parsePatchPath(text);
          } catch (error) {
            if (error instanceof ScimError) return;
            throw error;
          }
          expect(parsePatchPath(printPatchPath(path))).toStrictEqual(path);
        },
      ),
    ));
});

describe("filter, mapping and SQL together", () => {
  let db: TestDatabase;
  let mapping: CompiledMapping;
  let store: SqlUserStore;
  beforeAll(async () => {
    db = await createTestDatabase("sqlite", { seed: true });
    mapping = loadMapping(REFERENCE_MAPPING);
    store = createSqlUserStore(db.config as never, mapping.model);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("answers any filter text (grammatical or broken) with rows or a 400, never a crash or a SQL error", () =>
    check(
      "filter -> SQL: no crash",
      fc.asyncProperty(fc.oneof(filterText, brokenFilterText), async (text) => {
        try {
          const where = mapFilter(mapping, parseFilter(text));
          const page = await store.find({ where, offset: 0, limit: 5 });
          expect(page.total).toBeGreaterThanOrEqual(page.users.length);
        } catch (error) {
          if (!isRefusal(error)) throw error;
        }
      }),
      500,
    ));
});

describe("PATCH engine", () => {
  let mapping: CompiledMapping;
  let resource: Record<string, unknown>;
  beforeAll(() => {
    mapping = loadMapping(REFERENCE_MAPPING);
    resource = toScim(
      mapping,
      toBisUser(toBis(mapping, parseUserResource({ ...ENTRA_RESOURCE }))),
      { baseUrl: "https://bridge.test/scim/v2" },
    );
  });

  const PATHS = [
    "title", "active", "userName", "name.givenName", "name.familyName", "displayName", "externalId", "id", "meta",
    'emails[type eq "work"].value', 'addresses[type eq "work"].region', 'addresses[type eq "work"].country', 'phoneNumbers[type eq "mobile"].value',
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "emails", "addresses", "name", "nosuch", "name[", "",
  ];
  const operation = fc.record(
    {
      op: fc.constantFrom("add", "replace", "remove", "Add", "Replace", "Remove", "ADD", "merge", 1),
      path: fc.oneof(fc.constantFrom(...PATHS), fc.string({ maxLength: 20 })),
      value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom("True", "False", "x@contoso.com", "CA", "CAN", "BC", "2024-05-01T00:00:00Z", "1")),
    },
    { requiredKeys: ["op"] },
  );
  const message = fc.oneof(
    { weight: 5, arbitrary: fc.array(operation, { maxLength: 5 }).map((Operations) => ({ schemas: [URN.patchOp], Operations })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  );

  it("throws nothing but a SCIM error, never changes its input, and a clean result maps to BIS", () =>
    check(
      "PATCH: no crash, input untouched",
      fc.property(message, (body) => {
        const before = structuredClone(resource);
        let result;
        try {
          result = applyPatch(resource, body);
        } catch (error) {
          if (error instanceof ScimError && error.status === 400) return;
          throw error;
        }
        expect(resource).toStrictEqual(before);
        expect(result.changed).toBe(!isDeepStrictEqual(result.resource, resource));
        try {
          toBis(mapping, parseUserResource(result.resource));
        } catch (error) {
          if (!(error instanceof ScimError && error.status === 400)) throw error;
        }
      }),
    ));

  it("is deterministic and idempotent for replace: applying a replace twice equals applying it once", () =>
    check(
      "PATCH: replace idempotent",
      fc.property(fc.array(operation.map((o) => ({ ...o, op: "replace" })), { minLength: 1, maxLength: 3 }), (operations) => {
        const body = { schemas: [URN.patchOp], Operations: operations };
        let once;
        try {
          once = applyPatch(resource, body);
        } catch (error) {
          if (error instanceof ScimError) return;
          throw error;
        }
        expect(applyPatch(resource, body).resource).toStrictEqual(once.resource);
        const twice = applyPatch(once.resource, body);
        expect(twice.resource).toStrictEqual(once.resource);
        expect(twice.changed).toBe(false);
      }),
    ));
});

const ENTRA_RESOURCE = {
  schemas: [URN.user],
  userName: "prop@rel.contoso.com",
  active: true,
  name: { givenName: "Jane", familyName: "Doe" },
  title: "Operator",
  emails: [{ type: "work", value: "prop@rel.contoso.com", primary: true }],
  addresses: [{ type: "work", region: "AB", country: "CA", locality: "Calgary" }],
  phoneNumbers: [{ type: "work", value: "+1 403 555 0100" }],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: "E-1", department: "Operations" },
};

/** A BIS user as the store would return it after a create (id 42, timestamps fixed). */
function toBisUser(fields: ReturnType<typeof toBis>) {
  return { id: "42", ...fields, created: new Date("2024-01-01T00:00:00Z"), modified: new Date("2024-01-02T00:00:00Z") } as never;
}
