/**
 * Flags and codes kept in a legacy form are mapped values on every path that writes or filters
 * them: the second schema (test/fixtures/wide) keeps active as Y/N (enabled_flag) and, in these
 * mappings, its soft-delete flag as Y/N too (retired) and a country as alpha-3 (home_country).
 * The rows are asserted after each step, on every engine: a raw boolean in a CHAR(1) flag, or CA
 * in a column of CAN/USA, hides users or writes values BIS does not know.
 */
import type { Knex } from "knex";
import { expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { checkMapping } from "../../src/mapping/mapping-check.js";
import { comparesCaseSensitively, readDatabaseSchema } from "../../src/store/sql/introspection/database-schema.js";
import { wideBridgeOn, WIDE, WRITE_STATEMENTS } from "../fixtures/wide/second-schema.js";
import { entraUser } from "../support/bridge-harness.js";
import { describeEachEngine, type TestEngine } from "../support/databases.js";
import { mappingVariant } from "../support/mapping-variant.js";

const WIDE_MAPPING = `${WIDE}/mapping.yaml`;
const RETIRED_YN = 'deleted: { column: retired, values: { "true": Y, "false": N } }';
/** The second schema's row of a SCIM id, as its database holds it. */
const personRow = (t: { db: { knex: Knex } }) => async (id: string) => t.db.knex("hr_people").where("person_no", Number(id)).first();
const filterFor = (email: string) => `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`;

/** The second schema's mapping with its soft-delete flag kept as Y/N in `retired`. */
const retiredMapping = () => mappingVariant((yaml) => yaml.replace("deleted: gone", RETIRED_YN), WIDE_MAPPING);

/** DELETE only disables: through the install's own update statement, which receives the mapped value. */
const deactivateMapping = (engine: TestEngine) =>
  mappingVariant(
    (yaml) => yaml.replace("delete: soft", `delete: deactivate\nwrite:\n  update: { sql: ${JSON.stringify(WRITE_STATEMENTS[engine].update)} }`),
    WIDE_MAPPING,
  );

describeEachEngine("a soft-delete flag kept as Y/N", (engine) => {
  const t = wideBridgeOn(engine, retiredMapping);
  const row = personRow(t);

  it("creates a live user ('N'), finds it, deletes it ('Y'), then no longer finds it", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("retired.flag@contoso.com"));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await row(id)).retired).toBe("N");
    expect((await t.bridge.request("GET", `/Users/${id}`)).status).toBe(200);
    expect((await t.bridge.request("GET", filterFor("retired.flag@contoso.com"))).body.totalResults).toBe(1);

    expect((await t.bridge.request("DELETE", `/Users/${id}`)).status).toBe(204);
    expect(await row(id)).toMatchObject({ retired: "Y", login_email: "retired.flag@contoso.com" });
    expect((await t.bridge.request("GET", `/Users/${id}`)).status).toBe(404);
    expect((await t.bridge.request("GET", filterFor("retired.flag@contoso.com"))).body.totalResults).toBe(0);
    // The deleted user no longer holds the e-mail: Entra may create it again.
    expect((await t.bridge.request("POST", "/Users", entraUser("retired.flag@contoso.com"))).status).toBe(201);
  });

  it("sees the live users BIS already holds, and hides the ones it flagged Y", async () => {
    await t.db.knex("hr_people").insert([
      { login_email: "legacy.live@contoso.com", staff_id: "L-1", given: "Lea", family: "Live", state_code: "AB", country_iso: "CA", enabled_flag: "Y", retired: "N" },
      { login_email: "legacy.gone@contoso.com", staff_id: "L-2", given: "Gus", family: "Gone", state_code: "AB", country_iso: "CA", enabled_flag: "Y", retired: "Y" },
    ]);
    expect((await t.bridge.request("GET", filterFor("legacy.live@contoso.com"))).body.totalResults).toBe(1);
    expect((await t.bridge.request("GET", filterFor("legacy.gone@contoso.com"))).body.totalResults).toBe(0);
    expect((await t.bridge.request("POST", "/Users", entraUser("LEGACY.LIVE@contoso.com"))).status).toBe(409);
  });

  it("check: a text flag without its values is an error saying the fix; with them it passes", async () => {
    const schema = await readDatabaseSchema(t.db.knex, engine);
    const options = { needsFoldedIndexes: comparesCaseSensitively(engine) };
    const bare = mappingVariant((yaml) => yaml.replace("deleted: gone", "deleted: retired"), WIDE_MAPPING);
    expect(checkMapping(loadMapping(bare), schema, options)).toContainEqual(
      expect.objectContaining({ level: "error", subject: "user.deleted", fix: 'deleted: { column: retired, values: { "true": <what a deleted user holds>, "false": <what a live user holds> } }' }),
    );
    expect(checkMapping(loadMapping(retiredMapping()), schema, options).filter((f) => f.subject === "user.deleted")).toEqual([]);
  });
});

describeEachEngine("delete: deactivate with active kept as Y/N", (engine) => {
  const t = wideBridgeOn(engine, () => deactivateMapping(engine));
  const row = personRow(t);

  it("DELETE writes 'N' through the install's update statement, and the user stays visible, disabled", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("deactivated.flag@contoso.com"));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await row(id)).enabled_flag).toBe("Y");
    expect((await t.bridge.request("DELETE", `/Users/${id}`)).status).toBe(204);
    expect(await row(id)).toMatchObject({ enabled_flag: "N", last_writer: "update_person" });
    const after = await t.bridge.request("GET", `/Users/${id}`);
    expect(after.status).toBe(200);
    expect(after.body.active).toBe(false);
  });
});

/** The work country kept as alpha-3 in home_country (country_iso, NOT NULL, gets a constant). */
const alpha3Mapping = (transform = "country-alpha3") =>
  mappingVariant(
    (yaml) =>
      yaml
        .replace("column: country_iso, required: true, transform: country-alpha2", `column: home_country, required: true, transform: ${transform}`)
        .replace("attributes:", 'constants:\n  - { column: country_iso, value: "--" }\nattributes:'),
    WIDE_MAPPING,
  );

describeEachEngine("a country kept as alpha-3", (engine) => {
  const t = wideBridgeOn(engine, () => alpha3Mapping());
  const row = personRow(t);

  it("stores CAN whether Entra sends CA or CAN, PATCH writes alpha-3 too, and a country name is refused", async () => {
    const fromAlpha2 = await t.bridge.request("POST", "/Users", entraUser("alpha3.a@contoso.com", { addresses: [{ type: "work", region: "AB", country: "CA" }] }));
    const fromAlpha3 = await t.bridge.request("POST", "/Users", entraUser("alpha3.b@contoso.com", { addresses: [{ type: "work", region: "AB", country: "can" }] }));
    expect([fromAlpha2.status, fromAlpha3.status]).toEqual([201, 201]);
    expect((await row(fromAlpha2.body.id)).home_country).toBe("CAN");
    expect((await row(fromAlpha3.body.id)).home_country).toBe("CAN");
    // Answered as SCIM's alpha-2 (RFC 7643, 4.1.2), so Entra's next comparison sees no change.
    expect((await t.bridge.request("GET", `/Users/${fromAlpha2.body.id}`)).body.addresses).toEqual([expect.objectContaining({ type: "work", country: "CA" })]);
    const patched = await t.bridge.request("PATCH", `/Users/${fromAlpha2.body.id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "Replace", path: 'addresses[type eq "work"].country', value: "US" }],
    });
    expect(patched.status).toBe(200);
    expect((await row(fromAlpha2.body.id)).home_country).toBe("USA");
    const refused = await t.bridge.request("POST", "/Users", entraUser("alpha3.c@contoso.com", { addresses: [{ type: "work", region: "AB", country: "Canada" }] }));
    expect(refused.status).toBe(400);
  });

  it("check: country-alpha2 into a CHAR(3) column is an error naming the transform to use", async () => {
    const schema = await readDatabaseSchema(t.db.knex, engine);
    const findings = checkMapping(loadMapping(alpha3Mapping("country-alpha2")), schema, { needsFoldedIndexes: comparesCaseSensitively(engine) });
    // SQLite keeps TEXT without a width: nothing to compare there.
    if (engine === "sqlite") return expect(findings.filter((f) => f.message.includes("home_country"))).toEqual([]);
    expect(findings).toContainEqual(
      expect.objectContaining({ level: "error", message: expect.stringMatching(/home_country \(.*\(3\)\) keeps 3-character codes, but country-alpha2 stores 2/), fix: "use transform: country-alpha3 (or country-numeric)" }),
    );
    expect(checkMapping(loadMapping(alpha3Mapping()), schema, { needsFoldedIndexes: comparesCaseSensitively(engine) }).filter((f) => f.message.includes("home_country"))).toEqual([]);
  });
});
