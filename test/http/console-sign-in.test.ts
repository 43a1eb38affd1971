/**
 * Browser sign-in to the console (admin:): over HTTP with the cookie handled by hand (each
 * property of the cookie, CSRF refusals, wrong passwords into the shared throttle, idle expiry,
 * sign-out refusing a copied cookie, the bearer token still good for scripts), then the whole
 * sign-in and sign-out in headless Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../src/http/admin-password.js";
import { startTestBridge, TEST_TOKEN, type TestBridge } from "../support/bridge-harness.js";
import { chromiumMissing, launchChromium } from "../support/chromium.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

const PASSWORD = "correct horse battery staple";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let db: TestDatabase;
let bridge: TestBridge;
let origin: string;
beforeAll(async () => {
  db = await createTestDatabase("sqlite", { seed: true });
  bridge = await startTestBridge({
    store: db.config,
    server: { failedAuthLimit: { max: 4, windowSeconds: 60 } },
    // An idle session ends after 1.5 s here, so the test can see it end.
    admin: { passwordHash: await hashPassword(PASSWORD), sessionSecret: "s".repeat(40), sessionIdleMinutes: 0.025 },
  });
  origin = bridge.scimUrl.replace(/\/scim\/v2$/, "");
});
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
});

/** A browser's cookie jar of one cookie, and requests that carry it and never follow redirects. */
function browser() {
  let cookie = "";
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, ...value] = pair!.split("=");
      cookie = [...cookie.split("; ").filter((c) => c && !c.startsWith(`${name}=`) && !c.startsWith(`${name}.sig=`)), `${name}=${value.join("=")}`].join("; ");
    }
    return response;
  };
  return {
    cookie: () => cookie,
    setCookie: (value: string) => (cookie = value),
    get: async (path: string) => keep(await fetch(`${origin}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} })),
    post: async (path: string, form: Record<string, string>) =>
      keep(await fetch(`${origin}${path}`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) }, body: new URLSearchParams(form) })),
  };
}
const tokenIn = async (response: Response) => (await response.text()).match(/name="_csrf" value="([^"]+)"/)![1]!;

describe("console sign-in over HTTP", () => {
  it("sends a browser without a session to the sign-in page; the bearer token still opens /status", async () => {
    const b = browser();
    const status = await b.get("/status");
    expect(status.status).toBe(303);
    expect(status.headers.get("location")).toBe("/signin");
    expect((await fetch(`${origin}/status`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${origin}/status`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
  });

  it("signs in with the password into an HttpOnly, SameSite=Strict session; signs out, and a copy of the cookie is refused", async () => {
    const b = browser();
    const form = await b.get("/signin");
    expect(form.status).toBe(200);
    const token = await tokenIn(form);
    const signedIn = await b.post("/signin", { _csrf: token, password: PASSWORD });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("location")).toBe("/status");
    const set = signedIn.headers.getSetCookie().find((c) => c.startsWith("bis_console="))!;
    expect(set).toMatch(/; httponly/i);
    expect(set).toMatch(/; samesite=strict/i);
    expect(set).not.toMatch(/; secure/i); // plain HTTP here; under TLS the cookie is Secure
    const page = await b.get("/status");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/signout" id="sign-out">');
    const copied = b.cookie();

    // Sign-out needs the page's token too.
    expect((await b.post("/signout", {})).status).toBe(403);
    const out = await b.post("/signout", { _csrf: html.match(/name="_csrf" value="([^"]+)"/)![1]! });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/signin");
    expect((await b.get("/status")).status).toBe(303);
    b.setCookie(copied);
    expect((await b.get("/status")).status).toBe(303);
  });

  it("refuses a sign-in form without its token (another site posting it), and a wrong password, and throttles guessing with the SCIM count", async () => {
    const b = browser();
    const token = await tokenIn(await b.get("/signin"));
    const forged = await b.post("/signin", { password: PASSWORD });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("came from elsewhere");
    const wrong = await b.post("/signin", { _csrf: token, password: "not the password" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("Wrong password.");
    // With the wrong bearer token above, two more failures make the 4 the limit allows: the next is 429.
    await b.post("/signin", { _csrf: token, password: "guess 2" });
    expect((await b.post("/signin", { _csrf: token, password: "guess 3" })).status).toBe(401);
    const throttled = await b.post("/signin", { _csrf: token, password: "guess 4" });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("60");
    expect(await throttled.text()).toContain("Too many failed sign-ins");
    // SCIM from the same address is throttled as well: one count for both.
    expect((await fetch(`${bridge.scimUrl}/Users`, { headers: { authorization: "Bearer another-wrong-token-0123" } })).status).toBe(429);
  });
});

describe("console sign-in idle expiry", () => {
  it("ends a session unused past sessionIdleMinutes, and keeps one in use alive", async () => {
    const fresh = await startTestBridge({ store: db.config, admin: { passwordHash: await hashPassword(PASSWORD), sessionSecret: "t".repeat(40), sessionIdleMinutes: 0.025 } });
    try {
      origin = fresh.scimUrl.replace(/\/scim\/v2$/, "");
      const b = browser();
      expect((await b.post("/signin", { _csrf: await tokenIn(await b.get("/signin")), password: PASSWORD })).status).toBe(303);
      for (let i = 0; i < 3; i++) {
        await sleep(700);
        expect((await b.get("/status")).status).toBe(200);
      }
      await sleep(1800);
      expect((await b.get("/status")).status).toBe(303);
    } finally {
      await fresh.close();
      origin = bridge.scimUrl.replace(/\/scim\/v2$/, "");
    }
  });
});

describe.skipIf(chromiumMissing("the console sign-in browser test"))("console sign-in in headless Chromium", () => {
  it("signs in from /status, shows the page, and signs out", async () => {
    const browserProcess = await launchChromium();
    const fresh = await startTestBridge({ store: db.config, admin: { passwordHash: await hashPassword(PASSWORD), sessionSecret: "u".repeat(40) } });
    try {
      const base = fresh.scimUrl.replace(/\/scim\/v2$/, "");
      const page = await (await browserProcess.newContext()).newPage();
      await page.goto(`${base}/status`);
      expect(new URL(page.url()).pathname).toBe("/signin");
      await page.getByLabel("Password").fill("wrong password here");
      await page.getByRole("button", { name: "Sign in" }).click();
      expect(await page.locator("#sign-in-problem").textContent()).toBe("Wrong password.");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      expect(new URL(page.url()).pathname).toBe("/status");
      expect(await page.locator("h1").textContent()).toBe("bis-scim-bridge status");
      expect(await page.locator("#health-state").textContent()).toBe("Healthy");
      await page.getByRole("button", { name: "Sign out" }).click();
      expect(new URL(page.url()).pathname).toBe("/signin");
      await page.goto(`${base}/status`);
      expect(new URL(page.url()).pathname).toBe("/signin");
    } finally {
      await browserProcess.close();
      await fresh.close();
    }
  }, 60_000);
});
