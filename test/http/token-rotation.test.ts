/**
 * Bearer tokens: rotated in a running bridge without a restart (the config's tokens read again,
 * as SIGHUP does), a bad token config refused with the old tokens kept, and one timing-safe
 * check per request shared by the 401 and the failed-authentication throttle.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import express, { type Request } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startBridge, type RunningBridge } from "../../src/bridge.js";
import { loadConfig, loadTokens } from "../../src/config/config-loader.js";
import { authThrottle } from "../../src/http/auth-throttle.js";
import { bearerAuth, tokenCheck } from "../../src/http/bearer-auth.js";
import { errorRenderer } from "../../src/http/error-renderer.js";
import { createLogger } from "../../src/ops/logger.js";
import { LogCapture, REFERENCE_MAPPING } from "../support/bridge-harness.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

const OLD = "old-token-0123456789abcdef";
const NEW = "new-token-0123456789abcdef";

function writeConfig(auth: unknown, store: unknown = { engine: "sqlite", file: "bis.sqlite" }): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "token-rotation-")), "config.yaml");
  writeFileSync(file, stringify({ server: { port: 0, host: "127.0.0.1" }, ...(auth !== undefined && { auth }), mapping: REFERENCE_MAPPING, store, audit: { enabled: false } }));
  return file;
}

describe("loadTokens", () => {
  it("reads the tokens by loadConfig's rules: the file's auth.tokens, else SCIM_BEARER_TOKEN(_FILE)", () => {
    const named = writeConfig({ tokens: [{ name: "entra-prod", token: OLD }, NEW] });
    expect(loadTokens(named, {})).toEqual([{ name: "entra-prod", token: OLD }, { name: "token-2", token: NEW }]);
    const none = writeConfig(undefined);
    expect(loadTokens(none, { SCIM_BEARER_TOKEN: `${OLD}, ${NEW}` })).toEqual([{ name: "token-1", token: OLD }, { name: "token-2", token: NEW }]);
    const tokenFile = path.join(path.dirname(none), "token");
    writeFileSync(tokenFile, `${NEW}\n`);
    expect(loadTokens(none, { SCIM_BEARER_TOKEN_FILE: tokenFile })).toEqual([{ name: "token-1", token: NEW }]);
    expect(loadTokens(none, { SCIM_BEARER_TOKEN_FILE: tokenFile })).toEqual(loadConfig(none, { SCIM_BEARER_TOKEN_FILE: tokenFile }).config.auth.tokens);
  });

  it("names the key and the problem of a bad token config", () => {
    expect(() => loadTokens(writeConfig({ tokens: "short" }), {})).toThrowError(/key auth\.tokens.*at least 16 characters/);
    expect(() => loadTokens(writeConfig({ tokens: "${ROTATED}" }), { ROTATED_FILE: "/nonexistent/token" })).toThrowError(/ROTATED_FILE names \/nonexistent\/token, which cannot be read/);
  });
});

describe("token rotation in a running bridge", () => {
  let db: TestDatabase;
  let bridge: RunningBridge;
  let tokenFile: string;
  const logs = new LogCapture();
  const status = async (token: string) => (await fetch(`${bridge.scimUrl}/Users?count=1`, { headers: { authorization: `Bearer ${token}` } })).status;

  beforeAll(async () => {
    db = await createTestDatabase("sqlite", { seed: true });
    const file = writeConfig({ tokens: "${SCIM_BEARER_TOKEN}" }, db.config);
    tokenFile = path.join(path.dirname(file), "token");
    writeFileSync(tokenFile, OLD);
    const env = { SCIM_BEARER_TOKEN_FILE: tokenFile };
    bridge = await startBridge(loadConfig(file, env).config, {
      logger: createLogger({ level: "debug", format: "json", transports: [logs.transport] }),
      readTokens: () => loadTokens(file, env),
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
  });

  it("takes up the token written to SCIM_BEARER_TOKEN_FILE and refuses the old one", async () => {
    expect([await status(OLD), await status(NEW)]).toEqual([200, 401]);
    writeFileSync(tokenFile, `${NEW}\n`);
    expect(bridge.reloadTokens()).toBe(true);
    expect([await status(NEW), await status(OLD)]).toEqual([200, 401]);
    expect(bridge.tokens).toEqual([NEW]);
  });

  it("keeps two tokens in force while Entra moves over, then drops the old one", async () => {
    writeFileSync(tokenFile, `${NEW},${OLD}`);
    expect(bridge.reloadTokens()).toBe(true);
    expect([await status(NEW), await status(OLD)]).toEqual([200, 200]);
    writeFileSync(tokenFile, NEW);
    expect(bridge.reloadTokens()).toBe(true);
    expect([await status(NEW), await status(OLD)]).toEqual([200, 401]);
  });

  it("refuses a bad token config, keeps the tokens in force, and logs why (never a token)", async () => {
    for (const write of [() => writeFileSync(tokenFile, "short"), () => writeFileSync(tokenFile, ""), () => rmSync(tokenFile)]) {
      write();
      expect(bridge.reloadTokens()).toBe(false);
      expect([await status(NEW), await status("short")]).toEqual([200, 401]);
    }
    const refusals = logs.entries.filter((entry) => entry.message === "bearer token reload refused; the previous tokens stay in force");
    expect(refusals.map((entry) => entry.error)).toEqual([
      expect.stringMatching(/key auth\.tokens\[0\]\.token: each bearer token must be at least 16 characters/),
      "no bearer token configured; set SCIM_BEARER_TOKEN",
      expect.stringMatching(/SCIM_BEARER_TOKEN_FILE names .*token, which cannot be read \(ENOENT\)/),
    ]);
    expect(logs.text()).not.toContain(NEW);
    expect(logs.text()).not.toContain(OLD);
  });
});

describe("one token check per request", () => {
  it("checks each request's token once; valid ones pass unthrottled, failures are counted, then 429", async () => {
    let checks = 0;
    const inner = tokenCheck(() => [{ name: "entra", token: NEW }]);
    const counted = (req: Request) => {
      checks += 1;
      return inner(req);
    };
    const app = express();
    app.use(bearerAuth(counted, authThrottle({ max: 2, windowSeconds: 60 })));
    app.get("/", (_req, res) => {
      res.json({ token: res.locals.tokenName });
    });
    app.use(errorRenderer(createLogger({ level: "error", format: "json", transports: [new LogCapture().transport] })));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const get = async (token?: string) => (await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} })).status;
      const statuses = [await get(NEW), await get(OLD), await get(), await get(OLD), await get(NEW), await get(NEW)];
      expect(statuses).toEqual([200, 401, 401, 429, 200, 200]);
      expect(checks).toBe(statuses.length);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
