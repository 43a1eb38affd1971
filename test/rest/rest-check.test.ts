/**
 * `check` on a REST store compares the mapping's api: section with what BIS's API answers:
 * fields that no record has, search parameters that find nothing, an e-mail search that minds
 * case; it exits 1 on anything that breaks provisioning.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { BisRestServer, type BisRestOptions } from "../support/bis-rest-server.js";
import { entraUser, startTestBridge } from "../support/bridge-harness.js";
import { mappingVariant } from "../support/mapping-variant.js";
import { REST_REFERENCE_MAPPING, ROOT } from "../support/paths.js";
import { API_KEY, restStoreConfig } from "../support/rest-backend.js";

let server: BisRestServer;
afterEach(async () => {
  await server?.stop();
});

async function apiWithOneEmployee(options: Partial<BisRestOptions> = {}) {
  server = await new BisRestServer({ auth: { kind: "apiKey", key: API_KEY }, ...options }).start();
  const bridge = await startTestBridge({ store: restStoreConfig(server), mapping: REST_REFERENCE_MAPPING, jobs: { backendProbe: { enabled: false } } });
  expect((await bridge.request("POST", "/Users", entraUser("Checked.User@contoso.com"))).status).toBe(201);
  await bridge.close();
}

async function check(mapping = REST_REFERENCE_MAPPING): Promise<{ code: number; findings: { level: string; subject: string; message: string }[]; text: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "rest-check-"));
  writeFileSync(path.join(dir, "config.yaml"), stringify({ mapping, store: restStoreConfig(server) }));
  const run = (...flags: string[]) =>
    promisify(execFile)(process.execPath, [path.join(ROOT, "bin/bis-scim-bridge.js"), "check", "--config", path.join(dir, "config.yaml"), ...flags], { cwd: ROOT }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e) => ({ code: e.code as number, stdout: e.stdout as string }),
    );
  const json = await run("--json");
  return { code: json.code, findings: JSON.parse(json.stdout), text: (await run()).stdout };
}

describe("check on a REST store", () => {
  it("finds nothing to fix in the reference mapping against the reference API", async () => {
    await apiWithOneEmployee();
    const result = await check();
    expect(result.findings).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.text).toBe("The mapping fits BIS: no findings.\n");
  });

  it("names a misspelt field and a search parameter that finds nothing, and exits 1", async () => {
    await apiWithOneEmployee();
    const mapping = mappingVariant(
      (yaml) => yaml.replace("field: address.province", "field: address.provnce").replace("employeeNumber: employeeNumber\n", "employeeNumber: employeeNo\n"),
      REST_REFERENCE_MAPPING,
    );
    const result = await check(mapping);
    expect(result.code).toBe(1);
    expect(result.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: "error", subject: 'addresses[type eq "work"].region', message: expect.stringContaining("no record BIS answered has the field address.provnce") }),
        expect.objectContaining({ level: "error", subject: "api.search.employeeNumber", message: expect.stringContaining("?employeeNo=") }),
      ]),
    );
  });

  it("warns when BIS's e-mail search minds case, since duplicates differing in case then get through", async () => {
    await apiWithOneEmployee({ exactEmailSearch: true });
    const result = await check();
    expect(result.code).toBe(0);
    expect(result.findings).toEqual([expect.objectContaining({ level: "warning", subject: "api.search.email", message: expect.stringContaining("matches case-sensitively") })]);
  });
});
