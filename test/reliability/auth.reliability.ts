/**
 * Auth: every SCIM route answers 401 (with WWW-Authenticate and a SCIM error body, writing
 * nothing) without a valid token, health and metrics need none, the comparison takes the same
 * time wherever a wrong token differs, and tokens can be rotated.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Request } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { tokenCheck } from "../../src/http/bearer-auth.js";
import { entraUser, startTestBridge, TEST_TOKEN, type TestBridge } from "../support/bridge-harness.js";
import { createTestDatabase, dumpTables, type TestDatabase } from "../support/databases.js";
import { REFERENCE_MAPPING } from "../support/paths.js";
import { startBridgeProcess } from "../support/bridge-process.js";
import { rawRequest } from "./support/raw-http.js";
import { recordCases } from "./support/results.js";

const patchBody = JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "title", value: "x" }] });
const userBody = JSON.stringify(entraUser("auth-probe@rel.contoso.com"));
const ROUTES: [string, string, string?][] = [
  ["GET", "/Users"],
  ["GET", "/Users?filter=userName%20eq%20%22ada.lovelace%40example.com%22"],
  ["POST", "/Users", userBody],
  ["GET", "/Users/1"],
  ["PUT", "/Users/1", userBody],
  ["PATCH", "/Users/1", patchBody],
  ["DELETE", "/Users/1"],
  ["GET", "/Users/999999"],
  ["GET", "/Schemas"],
  ["GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"],
  ["GET", "/ResourceTypes"],
  ["GET", "/ResourceTypes/User"],
  ["GET", "/ServiceProviderConfig"],
  ["GET", "/NoSuchEndpoint"],
  ["POST", "/Bulk", "{}"],
];
const BAD_AUTH: [string, Record<string, string>][] = [
  ["no Authorization", {}],
  ["empty Bearer", { authorization: "Bearer " }],
  ["Basic with the token as password", { authorization: `Basic ${Buffer.from(`entra:${TEST_TOKEN}`).toString("base64")}` }],
  ["Basic with the token", { authorization: `Basic ${TEST_TOKEN}` }],
  ["wrong token of the same length", { authorization: `Bearer ${"x".repeat(TEST_TOKEN.length)}` }],
  ["prefix of the token", { authorization: `Bearer ${TEST_TOKEN.slice(0, -1)}` }],
  ["token plus a character", { authorization: `Bearer ${TEST_TOKEN}x` }],
  ["token in upper case", { authorization: `Bearer ${TEST_TOKEN.toUpperCase()}` }],
  ["two tokens", { authorization: `Bearer ${TEST_TOKEN} ${TEST_TOKEN}` }],
  ["token without scheme", { authorization: TEST_TOKEN }],
  ["token as Token scheme", { authorization: `Token ${TEST_TOKEN}` }],
  ["token in another header", { "x-api-key": TEST_TOKEN }],
  ["token as a cookie", { cookie: `token=${TEST_TOKEN}` }],
  ["1 KB token", { authorization: `Bearer ${"t".repeat(1024)}` }],
];

describe("authentication", () => {
  let db: TestDatabase;
  let bridge: TestBridge;
  beforeAll(async () => {
    db = await createTestDatabase("sqlite", { seed: true });
    // The failed-authentication throttle (429) is tested in test/http/hardening.test.ts; here every attempt must reach the check.
    bridge = await startTestBridge({ store: db.config, server: { failedAuthLimit: { max: 100_000, windowSeconds: 60 } } });
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.drop();
  });

  it("answers 401 on every SCIM route to every request without a valid token, and writes nothing", async () => {
    const before = await dumpTables(db.knex);
    const base = new URL(bridge.scimUrl).pathname;
    const failures: string[] = [];
    let tried = 0;
    for (const [method, route, body] of ROUTES) {
      const variants: [string, Record<string, string>, string][] = [
        ...BAD_AUTH.map(([name, headers]): [string, Record<string, string>, string] => [name, headers, route]),
        ["token in the query string", {}, `${route}${route.includes("?") ? "&" : "?"}access_token=${TEST_TOKEN}`],
      ];
      for (const [name, headers, target] of variants) {
        tried += 1;
        const response = await rawRequest(bridge.port, method, `${base}${target}`, { ...headers, ...(body && { "content-type": "application/scim+json" }) }, body);
        const problems = [
          response.status !== 401 && `status ${response.status}`,
          !/^Bearer\b/.test(String(response.headers["www-authenticate"])) && "no WWW-Authenticate: Bearer",
          !response.text.includes("urn:ietf:params:scim:api:messages:2.0:Error") && "no SCIM error body",
          response.text.includes(TEST_TOKEN) && "echoes the token",
        ].filter(Boolean);
        if (problems.length > 0) failures.push(`${method} ${route} with ${name}: ${problems.join(", ")}`);
      }
    }
    expect(await dumpTables(db.knex)).toEqual(before);
    recordCases("auth", "routes x bad credentials", tried, tried - failures.length);
    expect(failures).toEqual([]);
    expect(bridge.logs.text()).not.toContain(TEST_TOKEN);
  });

  it("serves health and metrics without a token, and SCIM with the right one (any case of 'Bearer')", async () => {
    const root = bridge.scimUrl.replace(/\/scim\/v2$/, "");
    const checks = [
      (await fetch(`${root}/healthz`)).status === 200,
      (await fetch(`${root}/readyz`)).status === 200,
      (await fetch(`${root}/metrics`)).status === 200,
      (await fetch(`${bridge.scimUrl}/Users?count=1`, { headers: { authorization: `bearer ${TEST_TOKEN}` } })).status === 200,
      (await fetch(`${bridge.scimUrl}/ServiceProviderConfig`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).status === 200,
    ];
    recordCases("auth", "health and valid token", checks.length, checks.filter(Boolean).length);
    expect(checks).toEqual(checks.map(() => true));
  });

  it("accepts several tokens at once, so Entra can move to a new one before the old is withdrawn", async () => {
    const rotated = await startTestBridge({ store: db.config, tokens: [{ name: "entra-old", token: "old-token-0123456789abcdef" }, { name: "entra-new", token: "new-token-0123456789abcdef" }] });
    try {
      const statuses: number[] = [];
      for (const token of ["old-token-0123456789abcdef", "new-token-0123456789abcdef", "other-token-0123456789abcd"]) {
        statuses.push((await fetch(`${rotated.scimUrl}/Users?count=1`, { headers: { authorization: `Bearer ${token}` } })).status);
      }
      recordCases("auth", "two tokens in force", 3, [200, 200, 401].filter((s, i) => statuses[i] === s).length);
      expect(statuses).toEqual([200, 200, 401]);
    } finally {
      await rotated.close();
    }
  });
});

describe("constant-time token comparison", () => {
  /** Median nanoseconds of `check` over `rounds`, interleaving the variants so drift hits both alike. */
  function medians(check: (token: string) => unknown, variants: readonly string[], rounds: number): number[] {
    const samples = variants.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      variants.forEach((token, i) => {
        const started = process.hrtime.bigint();
        check(token);
        samples[i].push(Number(process.hrtime.bigint() - started));
      });
    }
    return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
  }

  it("takes as long for a wrong token differing at its first character as at its last", () => {
    // A long token makes a leak measurable: comparing 1 MB byte by byte up to the first
    // difference takes tens of microseconds more when the difference comes last.
    const token = "k".repeat(1024 * 1024);
    const tokens = [{ name: "entra", token }];
    const check = tokenCheck(() => tokens);
    const asRequest = (offered: string) => ({ get: () => `Bearer ${offered}` }) as unknown as Request;
    const requests = {
      first: asRequest(`x${token.slice(1)}`),
      last: asRequest(`${token.slice(0, -1)}x`),
      short: asRequest("x"),
      right: asRequest(token),
    };
    expect(check(requests.right)).toBe("entra");
    expect(check(requests.last)).toBeUndefined();
    medians((name) => check(requests[name as keyof typeof requests]), ["first", "last"], 20); // warm up
    const [first, last, right] = medians((name) => check(requests[name as keyof typeof requests]), ["first", "last", "right"], 200);
    const ratios = [last / first, right / first];
    recordCases("auth", "timing: first vs last difference vs match", 2, ratios.filter((r) => r > 0.7 && r < 1.4).length);
    // Equal within noise: both hash the whole offered token and compare fixed-size digests.
    expect(ratios[0]).toBeGreaterThan(0.7);
    expect(ratios[0]).toBeLessThan(1.4);
    expect(ratios[1]).toBeGreaterThan(0.7);
    expect(ratios[1]).toBeLessThan(1.4);
  });
});

describe("token rotation without restart", () => {
  it("a token written to SCIM_BEARER_TOKEN_FILE is accepted after SIGHUP, the removed one refused, and a bad file refused", async () => {
    const db = await createTestDatabase("sqlite", { seed: true });
    const dir = path.dirname(db.config.engine === "sqlite" ? db.config.file : "");
    const tokenFile = path.join(dir, "token");
    const configFile = path.join(dir, "config.yaml");
    writeFileSync(tokenFile, "old-token-0123456789abcdef");
    writeFileSync(configFile, stringify({ server: { port: 0, host: "127.0.0.1" }, auth: { tokens: "${SCIM_BEARER_TOKEN}" }, log: { level: "warn" }, mapping: REFERENCE_MAPPING, store: db.config, audit: { enabled: false } }));
    const bridge = await startBridgeProcess(configFile, { env: { SCIM_BEARER_TOKEN_FILE: tokenFile } });
    try {
      const status = async (token: string) => (await fetch(`${bridge.scimUrl}/Users?count=1`, { headers: { authorization: `Bearer ${token}` } })).status;
      /** Sends SIGHUP and waits until `token` gets `expected` (the reload is done within milliseconds). */
      const hangUp = async (token: string, expected: number) => {
        bridge.child.kill("SIGHUP");
        for (let waited = 0; waited < 5000 && (await status(token)) !== expected; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      };
      expect(await status("old-token-0123456789abcdef")).toBe(200);
      writeFileSync(tokenFile, "new-token-0123456789abcdef\n");
      await hangUp("new-token-0123456789abcdef", 200);
      const after = [await status("new-token-0123456789abcdef"), await status("old-token-0123456789abcdef")];
      // A token too short to be valid is refused: the new token stays in force, and the log says why.
      writeFileSync(tokenFile, "short");
      bridge.child.kill("SIGHUP");
      await new Promise((resolve) => setTimeout(resolve, 500));
      const refused = [await status("new-token-0123456789abcdef"), await status("short")];
      const passed = [after[0] === 200 && after[1] === 401, refused[0] === 200 && refused[1] === 401];
      recordCases("auth", "rotation by SIGHUP (new in, old out, bad refused)", 2, passed.filter(Boolean).length);
      expect(after).toEqual([200, 401]);
      expect(refused).toEqual([200, 401]);
      expect(bridge.output()).toContain("bearer token reload refused");
      expect(bridge.output()).not.toContain("new-token-0123456789abcdef");
    } finally {
      await bridge.stop();
      await db.drop();
    }
  });
});
