/**
 * Notifications over real channels on loopback: an HTTP receiver standing in for a Teams/Slack
 * incoming webhook (its first answer a 503, so the retry is proven) and an SMTP server
 * (smtp-server, nodemailer's own). A cycle with 45% failures sends one alert to each; the next
 * check sends nothing more; the digest goes out on its job; BIS becoming unreachable is told;
 * no message carries a user's e-mail, and no log the webhook's secret path.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { healthConfigSchema, notifyConfigSchema } from "../../src/config/config-schema.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BisRestServer } from "../support/bis-rest-server.js";
import { entraUser, startTestBridge, type TestBridge } from "../support/bridge-harness.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { REST_REFERENCE_MAPPING, ROOT } from "../support/paths.js";
import { API_KEY, restStoreConfig } from "../support/rest-backend.js";

const NEVER = "0 0 0 1 1 *"; // the tests run the jobs themselves
const SECRET_PATH = "/webhookb2/SECRET-6b1d4f";

interface Mail {
  readonly to: string[];
  readonly text: string;
}

/** An incoming webhook: records each JSON body; answers 503 to the first POST, then 200. */
async function webhookReceiver(): Promise<{ url: string; bodies: { text: string }[]; attempts: () => number; server: Server }> {
  const bodies: { text: string }[] = [];
  let attempts = 0;
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      attempts++;
      if (attempts === 1) return void res.writeHead(503).end();
      bodies.push(JSON.parse(raw));
      res.writeHead(200, { "content-type": "text/plain" }).end("1");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${SECRET_PATH}`, bodies, attempts: () => attempts, server };
}

async function smtpReceiver(): Promise<{ port: number; mails: Mail[]; server: SMTPServer }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, done) {
      let raw = "";
      stream.on("data", (chunk) => (raw += chunk));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), text: raw });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.server.address() as AddressInfo).port, mails, server };
}

const subjectOf = (mail: Mail) => mail.text.match(/^Subject: (.*)$/m)?.[1];

describe("notifications to a webhook and by e-mail", () => {
  let db: TestDatabase;
  let bridge: TestBridge;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
  beforeAll(async () => {
    [hook, smtp, db] = await Promise.all([webhookReceiver(), smtpReceiver(), createTestDatabase("sqlite", { seed: true })]);
    bridge = await startTestBridge({
      store: db.config,
      notify: {
        webhooks: [{ url: hook.url }],
        email: { smtp: { host: "127.0.0.1", port: smtp.port }, from: "bridge@contoso.com", to: ["it-ops@contoso.com"] },
        check: NEVER,
        digest: NEVER,
        statusUrl: "https://bridge.contoso.com/status",
      },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
    hook?.server.close();
    await new Promise<void>((resolve) => (smtp ? smtp.server.close(() => resolve()) : resolve()));
  });

  it("a cycle with 45% failures sends one alert to each channel, retried past a 503, with the fix and no e-mail address", async () => {
    await bridge.request("GET", `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`);
    for (let i = 0; i < 20; i++) {
      const email = `notify${i}@contoso.com`;
      const body = i < 9 ? entraUser(email, { addresses: [{ type: "work", region: "AB", country: "Canada" }] }) : entraUser(email, { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: `N-${i}` } });
      await bridge.request("POST", "/Users", body);
    }
    expect(await bridge.scheduler.runNow("notification-check")).toBe("success");

    expect(hook.attempts()).toBe(2); // the 503, then the retry
    expect(hook.bodies).toHaveLength(1);
    const text = hook.bodies[0]!.text;
    expect(text).toMatch(/^BIS provisioning: quarantine likely\n/);
    expect(text).toContain("45% of cycle 1's 20 events failed");
    expect(text).toContain("9 user(s): 400 addresses[type eq \"work\"].country \"…\" is not an ISO 3166-1 alpha-2 or alpha-3 country code. Fix: map country with a Switch()");
    expect(text).toContain("Status page: https://bridge.contoso.com/status");
    expect(text).not.toContain("@contoso.com\n");
    expect(text).not.toMatch(/notify\d+@/);

    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toEqual(["it-ops@contoso.com"]);
    expect(subjectOf(smtp.mails[0]!)).toBe("BIS provisioning: quarantine likely");

    // Still quarantine likely: nothing new to tell.
    await bridge.scheduler.runNow("notification-check");
    expect(hook.bodies).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
    expect(bridge.logs.text()).not.toContain("SECRET-6b1d4f");
  });

  it("sends the daily digest on its job", async () => {
    expect(await bridge.scheduler.runNow("notification-digest")).toBe("success");
    expect(hook.bodies).toHaveLength(2);
    expect(hook.bodies[1]!.text).toMatch(/^BIS provisioning daily digest: quarantine likely\n/);
    expect(hook.bodies[1]!.text).toContain("Last 24 h: 20 events, 9 failed (45%)");
    expect(smtp.mails.map(subjectOf)).toEqual(["BIS provisioning: quarantine likely", "BIS provisioning daily digest: quarantine likely"]);
  });
});

describe("notifications when BIS becomes unreachable", () => {
  it("tells once that BIS is unreachable", async () => {
    const hook = await webhookReceiver();
    const api = await new BisRestServer({ auth: { kind: "apiKey", key: API_KEY } }).start();
    const bridge = await startTestBridge({
      store: { ...restStoreConfig(api), deadlineMs: 1500, retries: 0 },
      mapping: REST_REFERENCE_MAPPING,
      notify: { webhooks: [{ url: hook.url }], check: NEVER, digest: "" },
    });
    try {
      expect((await bridge.probe.probe()).up).toBe(true);
      await bridge.scheduler.runNow("notification-check");
      expect(hook.attempts()).toBe(0);
      await api.stop();
      expect((await bridge.probe.probe()).up).toBe(false);
      await bridge.scheduler.runNow("notification-check");
      await bridge.scheduler.runNow("notification-check");
      expect(hook.bodies.map((b) => b.text.split("\n")[0])).toEqual(["BIS provisioning: BIS is unreachable"]);
      expect(bridge.scheduler.history.some((run) => run.job === "notification-digest")).toBe(false);
    } finally {
      await bridge.close();
      hook.server.close();
    }
  });
});

describe("docs/operations.md", () => {
  it("its notify: and health: examples are configs the bridge accepts", () => {
    const text = readFileSync(path.join(ROOT, "docs/operations.md"), "utf8");
    const block = (heading: string) => text.slice(text.indexOf(heading)).match(/```yaml\n([\s\S]*?)```/)![1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => (name.includes("URL") ? "https://hooks.example.com/x" : "secret"));
    const notify = notifyConfigSchema.parse((parse(block("## Notifications")) as { notify: unknown }).notify);
    expect(notify).toMatchObject({ webhooks: [{ url: "https://hooks.example.com/x" }, { url: "https://hooks.example.com/x" }], email: { smtp: { host: "smtp.contoso.com", port: 587 } }, minIntervalMinutes: 60 });
    expect(healthConfigSchema.parse((parse(block("## Provisioning health")) as { health: unknown }).health)).toEqual({ quietMinutes: 10, windowHours: 24, minEvents: 10, escrowCycles: 2 });
  });
});
