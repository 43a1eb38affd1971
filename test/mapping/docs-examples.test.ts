/**
 * docs/mapping.md's examples run: every YAML block loads as a mapping (over the reference one,
 * unless it is whole), and a user is provisioned through each block marked
 * `<!-- example: name -->`, on the reference schema (SQLite) with the two columns the examples
 * add to it (Users.CreatedBy, Users.HouseNo).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { entraUser, startTestBridge, type TestBridge } from "../support/bridge-harness.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { REFERENCE_MAPPING, ROOT } from "../support/paths.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const BIS = "urn:ietf:params:scim:schemas:extension:BIS:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

interface Example {
  readonly name?: string;
  readonly line: number;
  readonly yaml: string;
}

function examples(): Example[] {
  const text = readFileSync(path.join(ROOT, "docs/mapping.md"), "utf8");
  return [...text.matchAll(/(?:<!-- example: ([\w-]+) -->\n)?```yaml\n([\s\S]*?)```/g)].map((m) => ({
    name: m[1],
    line: text.slice(0, m.index).split("\n").length,
    yaml: m[2]!,
  }));
}

/** The example as a mapping file: whole, or laid over the reference mapping. */
function mappingOf(example: Example): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "docs-example-")), "mapping.yaml");
  const fragment = parse(example.yaml) as Record<string, unknown> | Record<string, unknown>[];
  if (!Array.isArray(fragment) && "version" in fragment) {
    writeFileSync(file, example.yaml);
    return file;
  }
  const mapping = parse(readFileSync(REFERENCE_MAPPING, "utf8")) as Record<string, unknown> & { attributes: { scim: string }[] };
  const entries = (Array.isArray(fragment) ? fragment : (fragment.attributes ?? [])) as { scim: string }[];
  if (!Array.isArray(fragment)) for (const [key, value] of Object.entries(fragment)) if (key !== "attributes") mapping[key] = value;
  for (const entry of entries) {
    const at = mapping.attributes.findIndex((a) => a.scim === entry.scim);
    if (at >= 0) mapping.attributes[at] = entry;
    else mapping.attributes.push(entry);
  }
  writeFileSync(file, stringify(mapping));
  return file;
}

interface Site {
  readonly bridge: TestBridge;
  readonly db: TestDatabase;
  create(email: string, overrides?: Record<string, unknown>): Promise<{ status: number; body: any }>;
  row(id: string): Promise<Record<string, any>>;
}

const replace = (path: string, value: unknown) => ({ schemas: [PATCH], Operations: [{ op: "Replace", path, value }] });

/** What provisioning through each marked example must show. */
const PROVISIONED: Record<string, (site: Site) => Promise<void>> = {
  async user({ create, row }) {
    const created = await create("user@contoso.com");
    expect(created.status).toBe(201);
    expect(created.body.meta.created).toBeDefined();
    expect(await row(created.body.id)).toMatchObject({ Email: "user@contoso.com", FirstName: "Jane" });
  },
  async matching({ bridge, create, row }) {
    const created = await create("match@contoso.com");
    expect((await create("MATCH@contoso.com")).status).toBe(409);
    expect((await bridge.request("DELETE", `/Users/${created.body.id}`)).status).toBe(204);
    expect((await row(created.body.id)).IsDeleted).toBe(1);
  },
  async "matching-attributes"({ create }) {
    expect((await create("first@contoso.com", { [ENTERPRISE]: { employeeNumber: "E-77" } })).status).toBe(201);
    const second = await create("second@contoso.com", { [ENTERPRISE]: { employeeNumber: "E-77" } });
    expect(second).toMatchObject({ status: 409, body: { scimType: "uniqueness" } });
  },
  async lookups({ db, create, row }) {
    expect((await create("lookup@contoso.com", { [ENTERPRISE]: { employeeNumber: "E-1", department: "Docs Department" } })).status).toBe(201);
    expect(await db.knex("Departments").where("DepartmentName", "Docs Department").first()).toBeDefined();
    // missing: empty: the user is provisioned, the unknown site left empty and not added.
    const unknownSite = await create("nowhere@contoso.com", { [BIS]: { location: "Atlantis" } });
    expect(unknownSite.status).toBe(201);
    expect(await row(unknownSite.body.id)).toMatchObject({ Email: "nowhere@contoso.com", LocationID: null });
    expect(await db.knex("Locations").where("LocationName", "Atlantis").first()).toBeUndefined();
  },
  async children({ db, create }) {
    const created = await create("phones@contoso.com", { phoneNumbers: [{ type: "mobile", value: "+1 403 555 0199" }] });
    expect(await db.knex("UserPhones").where({ UserID: Number(created.body.id), PhoneType: "MOBILE" }).first()).toMatchObject({ Number: "+1 403 555 0199" });
  },
  async write({ bridge, create, row }) {
    const created = await create("statements@contoso.com", { [ENTERPRISE]: { employeeNumber: "e-9" } });
    expect(created.status).toBe(201);
    // The statements upper-case the employee number: the rows were written by them.
    expect(await row(created.body.id)).toMatchObject({ Email: "statements@contoso.com", EmployeeNo: "E-9", JobTitle: "Operator" });
    expect((await bridge.request("PATCH", `/Users/${created.body.id}`, replace("title", "Site lead"))).status).toBe(200);
    expect(await row(created.body.id)).toMatchObject({ JobTitle: "Site lead", EmployeeNo: "E-9" });
    expect((await bridge.request("DELETE", `/Users/${created.body.id}`)).status).toBe(204);
    expect(await row(created.body.id)).toMatchObject({ IsDeleted: 1, IsActive: 0 });
  },
  async constants({ create, row }) {
    const created = await create("constant@contoso.com");
    expect(await row(created.body.id)).toMatchObject({ CreatedBy: "ENTRA" });
    expect(JSON.stringify(created.body)).not.toContain("ENTRA");
  },
  async dependents({ bridge, db, create, row }) {
    const trained = String((await db.knex("TrainingRecords").first("UserID")).UserID);
    expect((await bridge.request("DELETE", `/Users/${trained}`)).status).toBe(409);
    const created = await create("leaver@contoso.com");
    expect((await bridge.request("DELETE", `/Users/${created.body.id}`)).status).toBe(204);
    expect(await row(created.body.id)).toBeUndefined();
  },
  async deactivate({ bridge, create }) {
    const created = await create("deactivated@contoso.com");
    expect((await bridge.request("DELETE", `/Users/${created.body.id}`)).status).toBe(204);
    const read = await bridge.request("GET", `/Users/${created.body.id}`);
    expect(read.body).toMatchObject({ active: false, [BIS]: { terminationdate: `${new Date().toISOString().slice(0, 10)}T00:00:00Z` } });
  },
  async attributes({ bridge, create }) {
    const created = await create("attributes@contoso.com", { [ENTERPRISE]: { employeeNumber: "E-5", department: "Operations", manager: { value: "1" } } });
    const read = (await bridge.request("GET", `/Users/${created.body.id}`)).body;
    expect(read).toMatchObject({ userName: "attributes@contoso.com", active: true, addresses: [expect.objectContaining({ country: "CA" })], [ENTERPRISE]: { department: "Operations", manager: { value: "1" } } });
  },
  async "replace-default"({ create, row }) {
    const created = await create("cleaned@contoso.com", { title: "Dr. Site lead", addresses: [{ type: "work", region: "AB", country: "CA" }] });
    expect(await row(created.body.id)).toMatchObject({ JobTitle: "Site lead", PostalCode: "N/A" });
    const upper = await create("upper@contoso.com", { [ENTERPRISE]: { employeeNumber: "E-6" }, addresses: [{ type: "work", region: "AB", country: "CA", postalCode: "t2p 1j9" }] });
    expect(await row(upper.body.id)).toMatchObject({ PostalCode: "T2P 1J9" });
  },
  async transforms({ db, create, row }) {
    const created = await create("coded@contoso.com", { phoneNumbers: [{ type: "work", value: "(403) 555-0100" }] });
    expect(await row(created.body.id)).toMatchObject({ JobTitle: "OP" });
    expect(created.body.title).toBe("Operator");
    expect(await db.knex("UserPhones").where({ UserID: Number(created.body.id), PhoneType: "WORK" }).first()).toMatchObject({ Number: "+14035550100" });
  },
  async dates({ bridge, create, row }) {
    const created = await create("dated@contoso.com", { [BIS]: { startdate: "2024-05-01T00:00:00Z", terminationdate: "2025-03-31T21:59:00Z" } });
    expect(await row(created.body.id)).toMatchObject({ StartDate: "01.05.2024", TerminationDate: "2025-03-31 23:59:00" });
    expect((await bridge.request("GET", `/Users/${created.body.id}`)).body[BIS]).toEqual({ startdate: "2024-05-01T00:00:00Z", terminationdate: "2025-03-31T21:59:00Z" });
  },
  async columns({ bridge, create, row }) {
    const created = await create("street@contoso.com", { addresses: [{ type: "work", region: "BY", country: "DE", streetAddress: "Am Alten Markt 12" }] });
    expect(await row(created.body.id)).toMatchObject({ Street: "Am Alten Markt", HouseNo: "12" });
    expect((await bridge.request("GET", `/Users/${created.body.id}`)).body.addresses[0].streetAddress).toBe("Am Alten Markt 12");
  },
};

describe("docs/mapping.md examples", () => {
  const all = examples();

  it("finds the examples, and a provisioning case for exactly the marked ones", () => {
    expect(all.length).toBeGreaterThan(15);
    expect(all.flatMap((e) => (e.name ? [e.name] : [])).sort()).toEqual(Object.keys(PROVISIONED).sort());
  });

  it.each(all.map((e) => [`line ${e.line}${e.name ? ` (${e.name})` : ""}`, e] as const))("the block at %s loads as a mapping", (_, example) => {
    expect(() => loadMapping(mappingOf(example))).not.toThrow();
  });

  it.each(all.filter((e) => e.name).map((e) => [e.name!, e] as const))("provisions a user through %s", async (name, example) => {
    const db = await createTestDatabase("sqlite", { seed: true });
    await db.knex.schema.alterTable("Users", (table) => {
      table.text("CreatedBy").nullable();
      table.text("HouseNo").nullable();
    });
    const bridge = await startTestBridge({ store: db.config, mapping: mappingOf(example) });
    try {
      await PROVISIONED[name]!({
        bridge,
        db,
        create: (email, overrides = {}) => bridge.request("POST", "/Users", entraUser(email, { [ENTERPRISE]: { employeeNumber: `E-${email.split("@")[0]}`, department: "Operations" }, ...overrides })),
        row: (id) => db.knex("Users").where("UserID", Number(id)).first(),
      });
    } finally {
      await bridge.close();
      await db.drop();
    }
  });
});
