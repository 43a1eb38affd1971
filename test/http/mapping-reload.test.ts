/** A changed mapping applies without a restart; a broken one is refused and the old one keeps serving. */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { entraUser, startTestBridge, TEST_TOKEN, type TestBridge } from "../support/bridge-harness.js";
import { REFERENCE_MAPPING, ROOT } from "../support/paths.js";

let db: TestDatabase;
let bridge: TestBridge;
let mapping: string;
const reference = readFileSync(REFERENCE_MAPPING, "utf8");

beforeAll(async () => {
  db = await createTestDatabase("sqlite", { seed: true });
  mapping = path.join(mkdtempSync(path.join(tmpdir(), "reload-")), "mapping.yaml");
  copyFileSync(REFERENCE_MAPPING, mapping);
  bridge = await startTestBridge({ store: db.config, mapping });
});
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
});

/** Polls until `check` holds (the watcher fires asynchronously), for at most 5 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the change never applied");
}

const createStatus = async (email: string, title: string) => (await bridge.request("POST", "/Users", entraUser(email, { title }))).status;

it("applies an edited mapping from the next request on", async () => {
  expect(await createStatus("before@contoso.com", "Operator")).toBe(201);
  writeFileSync(mapping, reference.replace("{ scim: title, column: JobTitle, maxLength: 150 }", "{ scim: title, column: JobTitle, maxLength: 5 }"));
  await eventually(async () => (await createStatus(`after-${Date.now()}@contoso.com`, "Operator")) === 400);
  expect(bridge.logs.entries.some((e) => e.message === "mapping reloaded")).toBe(true);
});

it("refuses a broken mapping with its error logged, and keeps serving with the previous one", async () => {
  writeFileSync(mapping, reference.replace("version: 1", "version: [1"));
  await eventually(async () => bridge.logs.entries.some((e) => e.message === "mapping reload refused; the previous mapping keeps serving"));
  const refused = bridge.logs.entries.find((e) => e.message === "mapping reload refused; the previous mapping keeps serving")!;
  expect(String(refused.error)).toMatch(/line \d+/);
  expect(await createStatus("still-limited@contoso.com", "Operator")).toBe(400);
  expect(await createStatus("still-serving@contoso.com", "Op")).toBe(201);
});

it("builds a store for other columns when the tables change (an attribute dropped)", async () => {
  writeFileSync(mapping, reference.replace("  - { scim: title, column: JobTitle, maxLength: 150 }\n", ""));
  await eventually(async () => (await createStatus(`untitled-${Date.now()}@contoso.com`, "x".repeat(300))) === 201);
  const schemas = await bridge.request("GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
  expect(schemas.body.attributes.map((a: { name: string }) => a.name)).not.toContain("title");
});

it("reloads on SIGHUP when file watching is off", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "sighup-"));
  const file = path.join(dir, "mapping.yaml");
  copyFileSync(REFERENCE_MAPPING, file);
  writeFileSync(path.join(dir, "config.yaml"), stringify({ server: { port: 0, host: "127.0.0.1" }, auth: { tokens: TEST_TOKEN }, mapping: file, mappingReload: false, store: db.config }));
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--config", path.join(dir, "config.yaml")], { cwd: ROOT });
  try {
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        output += d;
        const match = /SCIM at (\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.on("exit", () => reject(new Error(output)));
    });
    const post = async (email: string) =>
      (await fetch(`${url}/Users`, { method: "POST", headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/scim+json" }, body: JSON.stringify(entraUser(email, { title: "Operator" })) })).status;
    writeFileSync(file, reference.replace("{ scim: title, column: JobTitle, maxLength: 150 }", "{ scim: title, column: JobTitle, maxLength: 5 }"));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await post("no-watch@contoso.com")).toBe(201);
    child.kill("SIGHUP");
    await eventually(async () => (await post(`hup-${Date.now()}@contoso.com`)) === 400);
  } finally {
    child.kill("SIGTERM");
  }
});
