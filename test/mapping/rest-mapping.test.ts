/**
 * An `api:` mapping: the reference one loads, the docs show what is tested, and what an API
 * cannot do is refused at start-up naming the key to change.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configSchema } from "../../src/config/config-schema.js";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { mappingVariant } from "../support/mapping-variant.js";
import { REST_REFERENCE_MAPPING, ROOT } from "../support/paths.js";

const rest = (edit: (yaml: string) => string) => mappingVariant(edit, REST_REFERENCE_MAPPING);
const refusal = (file: string) => {
  try {
    loadMapping(file);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the mapping was accepted");
};

describe("api: mappings", () => {
  it("loads the reference API mapping: fields as the store's columns, the key as the SCIM id", () => {
    const mapping = loadMapping(REST_REFERENCE_MAPPING);
    expect(mapping.api?.users).toBe("/api/v1/employees");
    expect(mapping.model).toMatchObject({ keyColumn: "employeeId", emailColumn: "email", activeColumn: "status", selfReferences: ["supervisorId"] });
    expect(mapping.model.columns).toEqual(expect.arrayContaining(["address.province", "phones.mobile", "externalRef"]));
    expect(mapping.attributes.find((a) => a.name === "userName")?.field).toEqual({ kind: "column", column: "email" });
  });

  it.each([
    ["a lookup", (y: string) => y.replace("matching:", "lookups:\n  dept: { column: d, table: D, key: k, name: n }\nmatching:"), /lookups: lookups are for BIS tables/],
    ["delete: soft", (y: string) => y.replace("delete: hard", "delete: soft"), /delete: an API has no soft-delete flag/],
    ["a column instead of a field", (y: string) => y.replace("field: jobTitle", "column: jobTitle"), /attributes\[7\]\.column: with api: name the record's field: field: jobTitle/],
    ["an indexed filter without a search parameter", (y: string) => y.replace("field: jobTitle, maxLength: 150", "field: jobTitle, maxLength: 150, filter: indexed"), /filter: indexed needs a search parameter for jobTitle under api.search/],
    ["no search parameter for the e-mail", (y: string) => y.replace("    email: email\n", ""), /the e-mail field email needs a search parameter/],
    ["both user: and api:", (y: string) => y.replace("matching:", "user: { table: Users, key: UserID, email: Email }\nmatching:"), /give either user: \(BIS tables\) or api: \(BIS REST API\)/],
    ["an activation field the active attribute does not use", (y: string) => y.replace("field: status\n", "field: state\n"), /api.activation.field.*the active attribute must be mapped to state/],
  ])("refuses %s, naming the key", (_name, edit, message) => {
    expect(refusal(rest(edit))).toMatch(message);
  });

  it("is refused by a SQL store, and a table mapping by the REST store, at start-up", async () => {
    const { openUserStore } = await import("../../src/store/open-store.js");
    const api = loadMapping(REST_REFERENCE_MAPPING);
    expect(() => openUserStore({ engine: "sqlite", file: ":memory:", lockTimeoutMs: 1000 }, api.model, api.api)).toThrow(/use engine: rest/);
    const sql = loadMapping(path.join(ROOT, "mappings/bis-reference.yaml"));
    const restConfig = configSchema.parse({ mapping: "m.yaml", store: { engine: "rest", baseUrl: "http://127.0.0.1:1", auth: { kind: "apiKey", key: "k" } } }).store;
    expect(() => openUserStore(restConfig, sql.model, sql.api)).toThrow(/needs a mapping with an api: section/);
  });
});

describe("docs/rest-backend.md", () => {
  const doc = readFileSync(path.join(ROOT, "docs/rest-backend.md"), "utf8");
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);

  it("shows a store config the bridge accepts, with API key or OAuth2", () => {
    const config = parse(blocks[0]);
    expect(configSchema.parse(config).store).toMatchObject({ engine: "rest", auth: { kind: "apiKey", header: "X-API-Key" } });
    const oauth = parse(`store:\n  engine: rest\n  baseUrl: https://bis.contoso.local\n${blocks[1]}`);
    expect(configSchema.parse({ mapping: "m.yaml", ...oauth }).store).toMatchObject({ auth: { kind: "oauth2", tokenUrl: "/oauth/token", refreshBeforeSeconds: 60 } });
  });

  it("shows the api: section of the shipped reference mapping, as it is", () => {
    const shipped = parse(readFileSync(REST_REFERENCE_MAPPING, "utf8"));
    expect(parse(blocks[2])).toEqual({ api: shipped.api });
    const attributes = parse(`attributes:\n${blocks[3]}`).attributes;
    for (const attribute of attributes) expect(shipped.attributes).toContainEqual(attribute);
  });
});
