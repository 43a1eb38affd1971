/**
 * The status page: bearer token required, escaped server-rendered HTML under helmet's CSP, and
 * in headless Chromium it shows the backend, a row for an operation just made, the jobs and the
 * reconciliation findings. The screenshot in docs/status-page.png is refreshed with UPDATE_SCREENSHOTS=1.
 */
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeHtml } from "../../src/http/status-page.js";
import { chromiumMissing, launchChromium } from "../support/chromium.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { entraUser, ROOT, startTestBridge, TEST_TOKEN, type TestBridge } from "../support/bridge-harness.js";

const SCREENSHOT = path.join(ROOT, "docs", "status-page.png");

let db: TestDatabase;
let bridge: TestBridge;
let origin: string;
let createdId: string;
beforeAll(async () => {
  db = await createTestDatabase("sqlite", { seed: true });
  bridge = await startTestBridge({
    store: db.config,
    jobs: { backendProbe: { schedule: "0 0 0 1 1 *" }, terminationDates: { enabled: true, schedule: "0 15 2 * * *" }, reconciliation: { schedule: "0 45 2 * * *" } },
  });
  origin = bridge.scimUrl.replace(/\/scim\/v2$/, "");
  // Entra's probe opens a cycle; one user is refused for its country name (what to fix).
  await bridge.request("GET", `/Users?filter=${encodeURIComponent('userName eq "2b1f0c56-5d0e-4a57-9d0e-6c1a2d3e4f50"')}`);
  createdId = (await bridge.request("POST", "/Users", entraUser("status.page@contoso.com"))).body.id;
  await bridge.request("POST", "/Users", entraUser("refused.country@contoso.com", { addresses: [{ type: "work", region: "AB", country: "Canada" }] }));
  await bridge.request("GET", "/Users/999999"); // an error row
  await bridge.probe.probe();
  await bridge.scheduler.runNow("termination-dates");
  await bridge.scheduler.runNow("reconciliation");
});
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
});

describe("GET /status over HTTP", () => {
  it("needs the bearer token, and never takes one from the query string", async () => {
    expect((await fetch(`${origin}/status`)).status).toBe(401);
    expect((await fetch(`${origin}/status?token=${TEST_TOKEN}`)).status).toBe(401);
    const page = await fetch(`${origin}/status`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("cache-control")).toBe("no-store");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/<script|style=/);
    // No personal data: the e-mail of the user just created is not on the page.
    expect(html).not.toContain("status.page@contoso.com");
    expect(html).toContain(`<td>${createdId}</td>`);
  });

  it("lists requests refused before they became an operation: a wrong token, a malformed filter, a broken body", async () => {
    const scim = (pathAndQuery: string, init: RequestInit = {}) => fetch(`${bridge.scimUrl}${pathAndQuery}`, init);
    const unauthorized = await scim("/Users", { headers: { authorization: "Bearer not-the-token-0123456789" } });
    const badFilter = await scim(`/Users?filter=${encodeURIComponent('userName eq "unterminated')}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    const badBody = await scim("/Users", { method: "POST", headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/scim+json" }, body: "{not json" });
    expect([unauthorized.status, badFilter.status, badBody.status]).toEqual([401, 400, 400]);
    const requestIds = [unauthorized, badFilter, badBody].map((r) => r.headers.get("x-request-id")!);
    const html = await (await fetch(`${origin}/status`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
    for (const id of requestIds) expect(html).toContain(id);
  });

  it("escapes what it shows", () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe("&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;");
  });
});

describe.skipIf(chromiumMissing("the status page browser test"))("the status page in headless Chromium", () => {
  it("shows backend health, the operation just made, the jobs and the findings; screenshot in docs/", async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${TEST_TOKEN}` }, viewport: { width: 1200, height: 900 } });
      const page = await context.newPage();
      const violations: string[] = [];
      page.on("console", (message) => message.type() === "error" && violations.push(message.text()));
      const response = await page.goto(`${origin}/status`);
      expect(response?.status()).toBe(200);

      expect(await page.locator("h1").textContent()).toBe("bis-scim-bridge status");
      // State first, then what to fix, then the details.
      expect(await page.locator("h2").allTextContents()).toEqual([
        "Provisioning health",
        "What to fix",
        "Requests over the last 24 hours",
        "Entra's cycles",
        "Backend",
        "Recent operations",
        "Recent errors",
        "Names BIS does not know",
        "Jobs",
        "Reconciliation",
      ]);
      // Three events (two creates and a GET of a missing id) are below the 10 a verdict needs.
      expect(await page.locator("#health-state").textContent()).toBe("Healthy");
      expect(await page.locator("#error-groups li").allTextContents()).toEqual([
        expect.stringMatching(/^1 user failing: 400 addresses\[type eq "work"\]\.country "…" is not an ISO 3166-1 .*Fix: map country with a Switch\(\).*refused\.country@contoso\.com$/),
        expect.stringMatching(/^1 user failing: 404 User … not found.*Fix: BIS no longer holds the user Entra linked .*BIS id 999999$/),
      ]);
      // The chart is drawn: a bar for the hour's events and one for its failures, with its numbers in words.
      expect(await page.locator("#hourly svg rect.events").count()).toBe(1);
      expect(await page.locator("#hourly svg rect.failures").count()).toBe(1);
      expect(await page.locator("#hourly-title").textContent()).toMatch(/: 3 events, 2 failed;/);
      expect(await page.locator("#cycles tbody tr td").allTextContents()).toEqual(["1", expect.stringMatching(/UTC$/), "Entra's probe", expect.stringMatching(/UTC$/), "3", "2", "66.7%"]);
      expect(await page.locator("#backend-state").textContent()).toMatch(/^BIS reachable, checked \d{4}-\d\d-\d\d /);
      // The stylesheet loaded under the CSP: the state is drawn in green.
      expect(await page.locator("#backend-state").evaluate((el) => getComputedStyle(el).color)).toBe("rgb(26, 127, 55)");

      const createRow = page.locator("#operations tbody tr", { hasText: "create" }).filter({ has: page.locator("td", { hasText: /^201$/ }) });
      expect(await createRow.locator("td").allTextContents()).toEqual([expect.any(String), "POST", "create", "201", createdId, expect.stringMatching(/ ms$/), expect.any(String)]);
      expect(await page.locator("#errors tbody tr", { hasText: "404" }).count()).toBe(1);

      const jobs = await page.locator("#jobs tbody tr").evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll("td")].slice(0, 5).map((td) => td.textContent)));
      expect(jobs).toEqual([
        ["backend-probe", "0 0 0 1 1 *", "every replica", "not yet", ""],
        ["termination-dates", "0 15 2 * * *", "one replica", expect.stringMatching(/UTC$/), "success"],
        ["reconciliation", "0 45 2 * * *", "one replica", expect.stringMatching(/UTC$/), "success"],
      ]);
      const findings = await page.locator("#findings li").allTextContents();
      expect(findings[0]).toMatch(/^E-mails shared by several BIS users: 1 \(BIS ids 2 \+ 3\)$/);
      // The demo rows are all in the clean form.
      expect(findings[1]).toMatch(/^E-mails not in the clean form .*: 0$/);
      expect(findings[2]).toMatch(/^Users without an Entra externalId: 6 /);
      expect(findings[3]).toBe("Disabled in BIS but active in Entra's last push: 0");
      expect(violations).toEqual([]);

      // The docs' copy is refreshed on request only (UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean.
      const target = process.env.UPDATE_SCREENSHOTS ? SCREENSHOT : path.join(mkdtempSync(path.join(tmpdir(), "status-")), "status-page.png");
      mkdirSync(path.dirname(target), { recursive: true });
      const png = await page.screenshot({ path: target, fullPage: true });
      expect(existsSync(target)).toBe(true);
      // A real rendering: PNG signature, and a page at least as wide as the viewport.
      expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
      expect(png.readUInt32BE(16)).toBe(1200);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
