/**
 * Rehearsing on a BIS REST API: `preview` lists the calls a SCIM request would make (reads made,
 * writes not sent), and `dryRun: true` answers Entra while sending no write; BIS stays as it was.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BisRestServer } from "../support/bis-rest-server.js";
import { entraUser, startTestBridge } from "../support/bridge-harness.js";
import { REST_REFERENCE_MAPPING, ROOT } from "../support/paths.js";
import { API_KEY, restStoreConfig } from "../support/rest-backend.js";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

describe("rehearsing on a BIS REST API", () => {
  let server: BisRestServer;
  let existingId: number;
  const state = () => JSON.stringify([...server.employees.entries()]);

  beforeAll(async () => {
    server = await new BisRestServer({ auth: { kind: "apiKey", key: API_KEY } }).start();
    const bridge = await startTestBridge({ store: restStoreConfig(server), mapping: REST_REFERENCE_MAPPING, jobs: { backendProbe: { enabled: false } } });
    existingId = Number((await bridge.request("POST", "/Users", entraUser("existing@contoso.com"))).body.id);
    await bridge.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function preview(request: unknown, ...flags: string[]) {
    const dir = mkdtempSync(path.join(tmpdir(), "preview-"));
    writeFileSync(path.join(dir, "config.yaml"), stringify({ mapping: REST_REFERENCE_MAPPING, store: restStoreConfig(server) }));
    writeFileSync(path.join(dir, "request.json"), JSON.stringify(request));
    const args = [path.join(ROOT, "bin/bis-scim-bridge.js"), "preview", path.join(dir, "request.json"), "--config", path.join(dir, "config.yaml"), ...flags];
    return promisify(execFile)(process.execPath, args, { cwd: ROOT });
  }

  it("preview lists a create's e-mail and object-id lookups and the POST it would send, and sends no write", async () => {
    const before = state();
    const { stdout } = await preview({ method: "POST", path: "/Users", body: entraUser("new.hire@contoso.com") }, "--json");
    const result = JSON.parse(stdout);
    expect(result.status).toBe(201);
    expect(result.calls).toEqual([
      expect.objectContaining({ method: "GET", path: "/api/v1/employees", params: expect.objectContaining({ email: "new.hire@contoso.com" }), sent: true }),
      // Entra's object id must not belong to another BIS user.
      expect.objectContaining({ method: "GET", path: "/api/v1/employees", params: expect.objectContaining({ externalRef: "ext-new.hire@contoso.com" }), sent: true }),
      expect.objectContaining({ method: "POST", path: "/api/v1/employees", sent: false, body: expect.objectContaining({ email: "new.hire@contoso.com", address: expect.objectContaining({ province: "AB", country: "CA" }) }) }),
    ]);
    expect(state()).toBe(before);
  });

  it("preview shows a disable as the API's deactivation call, in words a consultant reads", async () => {
    const before = state();
    const request = { method: "PATCH", path: `/Users/${existingId}`, body: { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "False" }] } };
    const { stdout } = await preview(request);
    expect(stdout).toContain(`PATCH /Users/${existingId} -> 200`);
    expect(stdout).toContain("Calls to BIS's API, in order (reads made, writes not sent):");
    expect(stdout).toMatch(new RegExp(`1\\. GET /api/v1/employees/${existingId}\\n`));
    expect(stdout).toMatch(new RegExp(`2\\. POST /api/v1/employees/${existingId}/deactivate   \\(not sent\\)`));
    expect(stdout).toContain('"active": false');
    expect(state()).toBe(before);
  });

  it("dryRun: true answers Entra as usual, logs each write it did not send, and leaves BIS as it was", async () => {
    const bridge = await startTestBridge({ store: restStoreConfig(server), mapping: REST_REFERENCE_MAPPING, dryRun: true, jobs: { backendProbe: { enabled: false } } });
    try {
      const before = state();
      const created = await bridge.request("POST", "/Users", entraUser("rehearsal@contoso.com"));
      expect(created.status).toBe(201);
      const deleted = await bridge.request("DELETE", `/Users/${existingId}`);
      expect(deleted.status).toBe(204);
      expect(state()).toBe(before);
      const notSent = bridge.logs.entries.filter((e) => e.message === "dry run: not sent").map((e) => `${e.method} ${e.path}`);
      expect(notSent).toEqual(["POST /api/v1/employees", `DELETE /api/v1/employees/${existingId}`]);
    } finally {
      await bridge.close();
    }
  });
});
