/**
 * Console sign-in with OpenID Connect against a real provider on loopback (oidc-provider, with
 * its development login and consent pages), the whole flow in headless Chromium: an allowed
 * group's member reaches /status and signs out; a user of the tenant outside the allowed users
 * and groups is refused after the provider's sign-in.
 */
import { createServer } from "node:net";
import Provider from "oidc-provider";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../support/bridge-harness.js";
import { chromiumMissing, launchChromium } from "../support/chromium.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

const CLIENT_SECRET = "console-client-secret-0123456789abcdef";

/** A port nothing listens on now: the provider must know the bridge's callback before it starts. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** The tenant's people: the ops member is in the console's group, mallory in none. */
const PEOPLE: Record<string, { preferred_username: string; email: string; groups: string[] }> = {
  ops: { preferred_username: "ops@contoso.com", email: "ops@contoso.com", groups: ["9c1b2f2e-console-group"] },
  mallory: { preferred_username: "mallory@contoso.com", email: "mallory@contoso.com", groups: [] },
};

describe.skipIf(chromiumMissing("the OpenID Connect sign-in browser test"))("console sign-in with OpenID Connect in headless Chromium", () => {
  let db: TestDatabase;
  let bridge: TestBridge;
  let base: string;
  let stopProvider: () => void;
  beforeAll(async () => {
    const [bridgePort, providerPort] = [await freePort(), await freePort()];
    const issuer = `http://127.0.0.1:${providerPort}`;
    const provider = new Provider(issuer, {
      clients: [{ client_id: "bis-console", client_secret: CLIENT_SECRET, redirect_uris: [`http://127.0.0.1:${bridgePort}/signin/oidc/callback`], grant_types: ["authorization_code"], response_types: ["code"] }],
      async findAccount(_ctx, id) {
        const person = PEOPLE[id];
        if (!person) return undefined;
        return { accountId: id, claims: async () => ({ sub: id, ...person }) };
      },
      claims: { openid: ["sub", "groups"], email: ["email"], profile: ["preferred_username"] },
      conformIdTokenClaims: false,
      cookies: { keys: ["provider-cookie-key-0123456789"] },
    });
    const server = provider.listen(providerPort);
    stopProvider = () => server.close();
    db = await createTestDatabase("sqlite", { seed: true });
    bridge = await startTestBridge({
      store: db.config,
      server: { port: bridgePort },
      admin: { sessionSecret: "o".repeat(40), oidc: { issuer, clientId: "bis-console", clientSecret: CLIENT_SECRET, allowedGroups: ["9c1b2f2e-console-group"], allowInsecureIssuer: true } },
    });
    base = `http://127.0.0.1:${bridgePort}`;
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
    stopProvider?.();
  });

  /** Through the provider's development login and consent pages. */
  async function signInAs(page: Page, login: string) {
    await page.goto(`${base}/status`);
    expect(new URL(page.url()).pathname).toBe("/signin");
    // No password is configured: the organisation's account is the only way in.
    expect(await page.locator("#sign-in").count()).toBe(0);
    await page.getByRole("link", { name: "Sign in with your organisation's account" }).click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill("any");
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]', { hasText: /continue/i }).click();
    await page.waitForLoadState("load");
  }

  it("lets a member of the allowed group in, and out again", async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext()).newPage();
      await signInAs(page, "ops");
      await page.waitForURL(`${base}/status`);
      expect(await page.locator("h1").textContent()).toBe("bis-scim-bridge status");
      expect(bridge.logs.entries).toContainEqual(expect.objectContaining({ message: "console sign-in", user: "ops@contoso.com", via: "oidc" }));
      await page.getByRole("button", { name: "Sign out" }).click();
      expect(new URL(page.url()).pathname).toBe("/signin");
      await page.goto(`${base}/status`);
      expect(new URL(page.url()).pathname).toBe("/signin");
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("refuses a user of the tenant who is not among the allowed users or groups", async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext()).newPage();
      await signInAs(page, "mallory");
      expect(await page.locator("#sign-in-problem").textContent()).toBe("Your account may not open this console: ask for it to be added to the allowed users or groups.");
      await page.goto(`${base}/status`);
      expect(new URL(page.url()).pathname).toBe("/signin");
      expect(bridge.logs.entries).toContainEqual(expect.objectContaining({ message: "console sign-in refused", reason: expect.stringContaining("mallory@contoso.com is not among") }));
    } finally {
      await browser.close();
    }
  }, 60_000);
});
