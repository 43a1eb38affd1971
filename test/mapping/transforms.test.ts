/**
 * Transforms through real HTTP on every engine, on the second schema (test/fixtures/wide): a
 * street kept as street + house number (columns), a hire date kept as DD.MM.YYYY text, a leave
 * time kept as Berlin local time in a DATETIME column. What Entra sends reads back unchanged.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { checkMapping } from "../../src/mapping/mapping-check.js";
import { comparesCaseSensitively, readDatabaseSchema } from "../../src/store/sql/introspection/database-schema.js";
import { entraUser } from "../support/bridge-harness.js";
import { describeEachEngine } from "../support/databases.js";
import { WIDE, wideBridgeOn } from "../fixtures/wide/second-schema.js";

const BIS = "urn:ietf:params:scim:schemas:extension:BIS:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const FORMATS = `
  - { scim: 'addresses[type eq "work"].streetAddress', columns: [street, house_no], separator: " ", splitFrom: end, maxLength: 130 }
  - { scim: '${BIS}:startdate', column: hired_on, valueType: date, dateFormat: DD.MM.YYYY }
  - { scim: '${BIS}:terminationdate', column: leaves_at, valueType: dateTime, timeZone: Europe/Berlin }
`;

function formatsMapping(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "wide-formats-")), "mapping.yaml");
  writeFileSync(file, readFileSync(path.join(WIDE, "mapping.yaml"), "utf8").trimEnd() + FORMATS);
  return file;
}

/** A DATETIME as the drivers read it (a Date holding the wall-clock time, or text) -> "YYYY-MM-DD HH:mm:ss". */
const wallClock = (value: unknown) => (value instanceof Date ? value.toISOString().slice(0, 19).replace("T", " ") : String(value).slice(0, 19));

describeEachEngine("transforms: one value across columns, date formats and time zones", (engine) => {
  const t = wideBridgeOn(engine, formatsMapping);
  const person = async (id: string) => t.db.knex("hr_people").where("person_no", Number(id)).first();
  const patch = (id: string, path: string, value: unknown) => t.bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path, value }] });

  it("passes check against its database", async () => {
    const findings = checkMapping(loadMapping(t.mapping), await readDatabaseSchema(t.db.knex, engine), { needsFoldedIndexes: comparesCaseSensitively(engine) });
    expect(findings.filter((f) => f.level === "error")).toEqual([]);
  });

  it("writes each in the column's form and reads back what Entra sent", async () => {
    const created = await t.bridge.request(
      "POST",
      "/Users",
      entraUser("formats@contoso.com", {
        addresses: [{ type: "work", region: "BY", country: "DE", locality: "Passau", streetAddress: "Am Alten Markt 12" }],
        [BIS]: { startdate: "2024-05-01T00:00:00Z", terminationdate: "2025-03-31T21:59:00Z" },
      }),
    );
    expect(created.status).toBe(201);
    const row = await person(created.body.id);
    expect(row).toMatchObject({ street: "Am Alten Markt", house_no: "12", hired_on: "01.05.2024" });
    // 21:59 UTC is 23:59 in Berlin on the last day of March (summer time).
    expect(wallClock(row.leaves_at)).toBe("2025-03-31 23:59:00");
    const read = (await t.bridge.request("GET", `/Users/${created.body.id}`)).body;
    expect(read.addresses[0].streetAddress).toBe("Am Alten Markt 12");
    expect(read[BIS]).toEqual({ startdate: "2024-05-01T00:00:00Z", terminationdate: "2025-03-31T21:59:00Z" });
  });

  it("updates them through PATCH, and a PATCH that changes nothing writes nothing", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("formats.patch@contoso.com", { [BIS]: { startdate: "2024-05-01T00:00:00Z", terminationdate: "2025-12-31T23:30:00Z" } }));
    const id = created.body.id as string;
    // 23:30 UTC on New Year's Eve is half past midnight in Berlin (winter time), the next year.
    expect(wallClock((await person(id)).leaves_at)).toBe("2026-01-01 00:30:00");
    expect((await patch(id, 'addresses[type eq "work"].streetAddress', "Marktplatz")).status).toBe(200);
    expect(await person(id)).toMatchObject({ street: "Marktplatz", house_no: null });
    const before = await person(id);
    const same = await patch(id, `${BIS}:terminationdate`, "2025-12-31T23:30:00Z");
    expect(same.body[BIS].terminationdate).toBe("2025-12-31T23:30:00Z");
    expect(String((await person(id)).changed_at)).toBe(String(before.changed_at));
  });

  it("refuses what it cannot store with a 400 naming the attribute", async () => {
    const bad = await t.bridge.request("POST", "/Users", entraUser("formats.bad@contoso.com", { [BIS]: { startdate: "01.05.2024" } }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ scimType: "invalidValue", detail: expect.stringContaining(`${BIS}:startdate "01.05.2024" is not an ISO 8601 date`) });
    const long = await t.bridge.request("POST", "/Users", entraUser("formats.long@contoso.com", { addresses: [{ type: "work", region: "BY", country: "DE", streetAddress: "x".repeat(131) }] }));
    expect(long.body).toMatchObject({ status: "400", detail: expect.stringContaining('addresses[type eq "work"].streetAddress is 131 characters long') });
  });
});
