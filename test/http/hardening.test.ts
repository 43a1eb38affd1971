/** What customer IT relies on at the edge: TLS, security headers, throttled guessing, allow-list, metrics. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { entraUser, startTestBridge, TEST_TOKEN, type TestBridge } from "../support/bridge-harness.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("sqlite", { seed: true });
});
afterAll(async () => {
  await db?.drop();
});

async function withBridge<T>(server: Record<string, unknown>, work: (bridge: TestBridge) => Promise<T>): Promise<T> {
  const bridge = await startTestBridge({ store: db.config, server });
  try {
    return await work(bridge);
  } finally {
    await bridge.close();
  }
}

const bad = { authorization: "Bearer wrong-token-0123456789abcdef" };

describe("security headers", () => {
  it("are set on SCIM answers, errors included", async () => {
    await withBridge({}, async (bridge) => {
      for (const response of [await fetch(`${bridge.scimUrl}/Users?count=1`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } }), await fetch(`${bridge.scimUrl}/Users`)]) {
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
        expect(response.headers.get("content-security-policy")).toBeTruthy();
        expect(response.headers.get("x-powered-by")).toBeNull();
      }
    });
  });
});

describe("failed-authentication throttle", () => {
  it("answers 429 with Retry-After after too many bad tokens, and never refuses the valid token", async () => {
    await withBridge({ failedAuthLimit: { max: 3, windowSeconds: 120 } }, async (bridge) => {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${bridge.scimUrl}/Users`, { headers: bad })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const limited = await fetch(`${bridge.scimUrl}/Users`, { headers: bad });
      expect(limited.headers.get("retry-after")).toBe("120");
      expect(await limited.json()).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "429" });
      expect((await bridge.request("GET", "/Users?count=1")).status).toBe(200);
    });
  });

  it("counts failures on SCIM and on /status together: one budget of guesses per address", async () => {
    await withBridge({ failedAuthLimit: { max: 3, windowSeconds: 120 } }, async (bridge) => {
      const status = new URL("/status", bridge.scimUrl).href;
      const statuses = [];
      for (const url of [`${bridge.scimUrl}/Users`, `${bridge.scimUrl}/Users`, status, status, `${bridge.scimUrl}/Users`]) {
        statuses.push((await fetch(url, { headers: bad })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    });
  });
});

describe("client allow-list", () => {
  it("refuses addresses outside server.allowFrom with 403 and admits those inside", async () => {
    await withBridge({ allowFrom: ["10.0.0.0/8", "192.0.2.7"] }, async (bridge) => {
      const response = await bridge.request("GET", "/Users?count=1");
      expect(response.status).toBe(403);
      expect(response.body.detail).toContain("allowFrom");
    });
    await withBridge({ allowFrom: ["10.0.0.0/8", "127.0.0.0/8"] }, async (bridge) => {
      expect((await bridge.request("GET", "/Users?count=1")).status).toBe(200);
    });
  });

  it("stops start-up on an entry that is no address or range", async () => {
    await expect(startTestBridge({ store: db.config, server: { allowFrom: ["10.0.0.0/33"] } })).rejects.toThrow(/allowFrom: "10.0.0.0\/33"/);
  });
});

describe("HTTPS", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tls-"));
  const file = (name: string) => path.join(dir, name);
  beforeAll(() => {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", file("key.pem"), "-out", file("cert.pem")], { stdio: "ignore" });
    execFileSync("openssl", ["pkcs12", "-export", "-inkey", file("key.pem"), "-in", file("cert.pem"), "-out", file("bundle.pfx"), "-passout", "pass:pfx-secret"], { stdio: "ignore" });
  });

  function get(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      https
        .get(url, { ca: readFileSync(file("cert.pem")), headers: { authorization: `Bearer ${TEST_TOKEN}` } }, (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        })
        .on("error", reject);
    });
  }

  function handshake(port: number, maxVersion: tls.SecureVersion): Promise<string> {
    return new Promise((resolve) => {
      const socket = tls.connect({ host: "127.0.0.1", port, ca: readFileSync(file("cert.pem")), maxVersion, minVersion: "TLSv1" }, () => {
        resolve(socket.getProtocol() ?? "none");
        socket.end();
      });
      socket.on("error", () => resolve("refused"));
    });
  }

  it.each([
    ["PEM files", () => ({ certFile: file("cert.pem"), keyFile: file("key.pem") })],
    ["a PFX bundle", () => ({ pfxFile: file("bundle.pfx"), passphrase: "pfx-secret" })],
  ])("serves SCIM over TLS 1.2+ from %s, refusing older versions", async (_name, settings) => {
    await withBridge({ tls: settings() }, async (bridge) => {
      expect(bridge.scimUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
      const answer = await get(`${bridge.scimUrl}/Users?count=1`);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]);
      expect(await handshake(bridge.port, "TLSv1.1")).toBe("refused");
      expect(await handshake(bridge.port, "TLSv1.2")).toBe("TLSv1.2");
    });
  });

  it("stops start-up naming the TLS file it cannot read", async () => {
    await expect(startTestBridge({ store: db.config, server: { tls: { certFile: file("missing.pem"), keyFile: file("key.pem") } } })).rejects.toThrow(/server\.tls\.certFile: cannot read .*missing\.pem/);
  });
});

describe("Prometheus metrics", () => {
  it("counts requests by SCIM operation and status, with latency, without a token", async () => {
    await withBridge({}, async (bridge) => {
      expect((await bridge.request("POST", "/Users", entraUser("metrics@contoso.com"))).status).toBe(201);
      expect((await bridge.request("POST", "/Users", entraUser("metrics@contoso.com"))).status).toBe(409);
      await bridge.request("GET", "/Users?filter=userName+eq+%22metrics%40contoso.com%22");
      const response = await fetch(`${bridge.scimUrl.replace(/\/scim\/v2$/, "")}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toMatch(/bis_bridge_requests_total\{operation="create",status="201"\} 1/);
      expect(text).toMatch(/bis_bridge_requests_total\{operation="create",status="409"\} 1/);
      expect(text).toMatch(/bis_bridge_requests_total\{operation="query",status="200"\} 1/);
      expect(text).toMatch(/bis_bridge_request_duration_seconds_count\{operation="create"\} 2/);
      expect(text).toContain("bis_bridge_process_resident_memory_bytes");
      expect(text).not.toContain("metrics@contoso.com");
    });
  });
});
