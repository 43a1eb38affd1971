/**
 * Provisioning health as Entra will judge it, over real HTTP: cycles recognised from Entra's
 * probe, a cycle with 45% failures turning the state to "quarantine likely", the failing users
 * grouped by the rule they broke with the fix in words (names masked as log.maskFields says), a
 * user refused in three cycles shown in escrow, the CSV of every failing user, and the metrics.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entraUser, startTestBridge, TEST_TOKEN, type TestBridge } from "../support/bridge-harness.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const canadian = (email: string) => entraUser(email, { addresses: [{ type: "work", region: "AB", country: "Canada" }] });

describe("provisioning health on the status page", () => {
  let db: TestDatabase;
  let bridge: TestBridge;
  beforeAll(async () => {
    db = await createTestDatabase("sqlite", { seed: true });
    bridge = await startTestBridge({ store: db.config, log: { maskFields: ["userName"] } });
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
  });
  const origin = () => bridge.scimUrl.replace(/\/scim\/v2$/, "");
  const get = (path: string) => fetch(`${origin()}${path}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  const page = async () => (await get("/status")).text();
  /** The element with this id, its entities decoded (the page escapes every value). */
  const section = (html: string, id: string) =>
    (html.match(new RegExp(`<(?:section|table|ul|p)[^>]* id="${id}"[\\s\\S]*?</(?:section|table|ul|p)>`))?.[0] ?? "").replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  /** Entra's probe: its matching attribute against a random GUID, answered with no user. */
  const probe = async () => expect((await bridge.request("GET", `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`)).status).toBe(200);

  it("starts healthy, with no cycle seen", async () => {
    const html = await page();
    expect(section(html, "health-state")).toContain(">Healthy<");
    expect(html).toContain("No cycle seen since start.");
    expect(html).toContain("No user's last write failed.");
  });

  it("a cycle with 45% failed events turns the state to quarantine likely, and groups the failures with the fix", async () => {
    await probe();
    // 20 users, 9 of them with the country as Entra's directory spells it, not an ISO code.
    for (let i = 0; i < 20; i++) {
      const email = `worker${i}@contoso.com`;
      const response = await bridge.request("POST", "/Users", i < 9 ? canadian(email) : entraUser(email, { [`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`]: { employeeNumber: `E-${i}` } }));
      expect(response.status).toBe(i < 9 ? 400 : 201);
    }
    const html = await page();
    expect(section(html, "health-state")).toContain(">Quarantine likely<");
    expect(section(html, "health-reasons")).toContain("45% of cycle 1's 20 events failed: past Entra's 40%");
    expect(section(html, "cycles")).toMatch(/<td>1<\/td><td>[^<]+<\/td><td>Entra's probe<\/td><td>[^<]+<\/td><td>20<\/td><td>9<\/td><td>45%<\/td>/);
    const groups = section(html, "error-groups");
    expect(groups).toContain('<strong>9 users failing</strong>: 400 addresses[type eq "work"].country "…" is not an ISO 3166-1 alpha-2 or alpha-3 country code');
    expect(groups).toContain("Fix: map country with a Switch() to ISO 3166 codes in Entra's attribute mappings");
    // The country is reference data, not the person's: the page shows what Entra sent.
    expect(groups).toContain('Entra sent: "Canada" (9)');
    // userName is in log.maskFields: first character and domain only.
    expect(groups).toContain("w***@contoso.com, w***@contoso.com");
    expect(groups).toContain("and 4 more");
    expect(html).not.toContain("worker0@contoso.com");
    const metrics = await (await fetch(`${origin()}/metrics`)).text();
    expect(metrics).toMatch(/^bis_bridge_provisioning_state 2$/m);
    expect(metrics).toMatch(/^bis_bridge_provisioning_failing_users 9$/m);
    expect(metrics).toMatch(/^bis_bridge_provisioning_failure_ratio 0\.45$/m);
  });

  it("a user refused in three cycles shows in escrow; a corrected one leaves the list", async () => {
    for (let cycle = 2; cycle <= 3; cycle++) {
      await probe();
      // Entra retries the failed users in escrow; eight are corrected in the directory.
      for (let i = 0; i < 9; i++) {
        const email = `worker${i}@contoso.com`;
        const body = i === 0 ? canadian(email) : entraUser(email, { [`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`]: { employeeNumber: `E-${i}` } });
        if (cycle === 3 && i > 0) continue;
        expect((await bridge.request("POST", "/Users", body)).status).toBe(i === 0 ? 400 : 201);
      }
    }
    const html = await page();
    const escrow = section(html, "escrow");
    expect(escrow).toMatch(/<td>w\*\*\*@contoso\.com<\/td><td><\/td><td>3<\/td>/);
    expect(escrow).toContain("Switch()");
    expect(section(html, "health-reasons")).toContain("1 user(s) refused in 2 cycles or more");
    expect(section(html, "error-groups")).toContain("<strong>1 user failing</strong>");
    expect((await fetch(`${origin()}/metrics`).then((r) => r.text()))).toMatch(/^bis_bridge_provisioning_escrow_users 1$/m);

    // The CSV lists every failing user with the detail and the fix (masked as the page is).
    const csv = await get("/status/failing-users.csv");
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("userName,bisId,status,reason,detail,fix,cyclesRefused,firstFailed,lastFailed");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^w\*\*\*@contoso\.com,,400,/);
    expect(lines[1]).toContain(',3,');

    // Corrected in the directory: its next write succeeds and it leaves escrow and the groups.
    expect((await bridge.request("POST", "/Users", entraUser("worker0@contoso.com", { [`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`]: { employeeNumber: "E-0" } }))).status).toBe(201);
    const after = await page();
    expect(after).toContain("No user has been refused in more than one cycle.");
    expect(after).toContain("No user's last write failed.");
  });

  it("a PATCH refused for a user BIS holds is named by its e-mail and BIS id", async () => {
    await probe();
    const created = await bridge.request("POST", "/Users", entraUser("patched@contoso.com", { [`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`]: { employeeNumber: "E-P" } }));
    const refused = await bridge.request("PATCH", `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "title", value: "x".repeat(151) }] });
    expect(refused.status).toBe(400);
    const groups = section(await page(), "error-groups");
    expect(groups).toContain("title is 151 characters long; BIS allows at most 150");
    expect(groups).toContain("Fix: shorten the value in Entra");
    expect(groups).toContain("p***@contoso.com");
  });
});
