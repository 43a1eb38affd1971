/** The termination-dates job disables users whose termination date has passed, once, audited. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, describeEachEngine, type TestDatabase } from "../support/databases.js";
import { entraUser, startTestBridge, type TestBridge } from "../support/bridge-harness.js";
import { mappingVariant } from "../support/mapping-variant.js";
import { WIDE, WIDE_SCHEMA } from "../fixtures/wide/second-schema.js";

const BIS = "urn:ietf:params:scim:schemas:extension:BIS:2.0:User";
const jobs = { terminationDates: { enabled: true, schedule: "0 0 0 1 1 *" } };

function auditEntries(bridge: TestBridge): Record<string, any>[] {
  return readdirSync(bridge.auditDir)
    .filter((f) => f.endsWith(".log"))
    .flatMap((f) => readFileSync(path.join(bridge.auditDir, f), "utf8").trim().split("\n").filter(Boolean))
    .map((line) => JSON.parse(line));
}

describeEachEngine("termination-dates job", (engine) => {
  let db: TestDatabase;
  let bridges: TestBridge[];
  beforeAll(async () => {
    db = await createTestDatabase(engine, { seed: true });
    // Two replicas on one database, both with the job enabled.
    bridges = [await startTestBridge({ store: db.config, jobs }), await startTestBridge({ store: db.config, jobs })];
  });
  afterAll(async () => {
    await Promise.all(bridges?.map((b) => b.close()) ?? []);
    await db?.drop();
  });

  it("disables active users past their termination date, leaves the rest, and audits each disable once", async () => {
    const create = async (email: string, terminationdate: string | undefined, active = true) => {
      const extension = { startdate: "2020-01-01T00:00:00Z", ...(terminationdate && { terminationdate }) };
      const response = await bridges[0].request("POST", "/Users", entraUser(email, { active, [BIS]: extension }));
      expect(response.status).toBe(201);
      return response.body.id as string;
    };
    const past = await create("left@contoso.com", "2021-06-30T00:00:00Z");
    const future = await create("staying@contoso.com", "2999-12-31T00:00:00Z");
    const none = await create("permanent@contoso.com", undefined);
    const pastInactive = await create("gone@contoso.com", "2020-06-30T00:00:00Z", false);

    const results = await Promise.all(bridges.map((b) => b.scheduler.runNow("termination-dates", new Date(Date.now() + 500))));
    expect(results.sort()).toEqual(["skipped", "success"]);

    const active = async (id: string) => (await bridges[1].request("GET", `/Users/${id}`)).body.active;
    expect(await active(past)).toBe(false);
    expect(await active(future)).toBe(true);
    expect(await active(none)).toBe(true);
    expect(await active(pastInactive)).toBe(false);

    // A second run finds nothing left to do.
    expect(await bridges[1].scheduler.runNow("termination-dates")).toBe("success");

    await Promise.all(bridges.map((b) => b.close()));
    const disables = bridges.flatMap(auditEntries).filter((e) => e.operation === "disable");
    // The seeded Oliver (terminated 2019, already inactive) is not touched either.
    expect(disables).toEqual([
      expect.objectContaining({ who: "job:termination-dates", bisId: past, result: "success", changes: [{ attribute: "active", old: true, new: false }] }),
    ]);
  });
});

// The second schema keeps the active flag as Y/N text and dates as text (char(10) hired_on stands in for a leaving date): the job
// selects and writes them as the mapping says; a date format that does not sort is read and decided in code.
describeEachEngine("termination-dates job on a Y/N flag and a text date", (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine, { schema: WIDE_SCHEMA });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const wideWith = (terminationdate: string) =>
    mappingVariant((yaml) => `${yaml.trimEnd()}\n  - { scim: '${BIS}:terminationdate', column: hired_on, valueType: date${terminationdate} }\n`, path.join(WIDE, "mapping.yaml"));

  it("disables the users whose date has passed by writing N, a DD.MM.YYYY date decided in code", async () => {
    const bridge = await startTestBridge({ store: db.config, mapping: wideWith(""), jobs });
    try {
      const create = async (email: string, terminationdate: string) =>
        (await bridge.request("POST", "/Users", entraUser(email, { [BIS]: { terminationdate } }))).body.id as string;
      const left = await create("left.yn@contoso.com", "2021-06-30T00:00:00Z");
      const staying = await create("staying.yn@contoso.com", "2999-12-31T00:00:00Z");
      expect(await bridge.scheduler.runNow("termination-dates")).toBe("success");
      const flags = Object.fromEntries((await db.knex("hr_people").select("person_no", "enabled_flag")).map((r: { person_no: number; enabled_flag: string }) => [String(r.person_no), r.enabled_flag]));
      expect({ left: flags[left], staying: flags[staying] }).toEqual({ left: "N", staying: "Y" });
    } finally {
      await bridge.close();
    }

    const formatted = await startTestBridge({ store: db.config, mapping: wideWith(", dateFormat: DD.MM.YYYY"), jobs });
    try {
      const create = async (email: string, terminationdate: string) =>
        (await formatted.request("POST", "/Users", entraUser(email, { [BIS]: { terminationdate } }))).body.id as string;
      // 30.06.2021 sorts after 01.01.2999 as text: only reading the dates tells them apart.
      const left = await create("left.formatted@contoso.com", "2021-06-30T00:00:00Z");
      const staying = await create("staying.formatted@contoso.com", "2999-01-01T00:00:00Z");
      expect(await formatted.scheduler.runNow("termination-dates")).toBe("success");
      const row = async (id: string) => db.knex("hr_people").where("person_no", Number(id)).first();
      expect(await row(left)).toMatchObject({ hired_on: "30.06.2021", enabled_flag: "N" });
      expect(await row(staying)).toMatchObject({ hired_on: "01.01.2999", enabled_flag: "Y" });
      expect(formatted.logs.entries).toContainEqual(expect.objectContaining({ message: "termination-dates job", disabled: 1, datesDecidedIn: "code" }));
    } finally {
      await formatted.close();
    }
  });
});
