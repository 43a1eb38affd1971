/**
 * The scheduled jobs on a REST store: the probe feeds /readyz, the reconciliation reads BIS's
 * ACTIVE/INACTIVE status as the mapping says and names what the API cannot list, and the
 * termination-dates job, whose date range BIS's API cannot search, reads the active users and
 * decides each date in code.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BisRestServer } from "../support/bis-rest-server.js";
import { entraUser, startTestBridge, type TestBridge } from "../support/bridge-harness.js";
import { REST_REFERENCE_MAPPING } from "../support/paths.js";
import { API_KEY, restStoreConfig } from "../support/rest-backend.js";

const BIS = "urn:ietf:params:scim:schemas:extension:BIS:2.0:User";

describe("scheduled jobs on a REST store", () => {
  let server: BisRestServer;
  let bridge: TestBridge;
  beforeAll(async () => {
    server = await new BisRestServer({ auth: { kind: "apiKey", key: API_KEY } }).start();
    bridge = await startTestBridge({
      store: restStoreConfig(server),
      mapping: REST_REFERENCE_MAPPING,
      jobs: { terminationDates: { enabled: true, schedule: "0 0 0 1 1 *" }, backendProbe: { enabled: true, schedule: "0 0 0 1 1 *" } },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await server?.stop();
  });

  it("reports a user disabled in BIS but pushed active by Entra, reading ACTIVE/INACTIVE through the mapping", async () => {
    const id = (await bridge.request("POST", "/Users", entraUser("pushed.active@contoso.com"))).body.id;
    const other = (await bridge.request("POST", "/Users", entraUser("still.active@contoso.com"))).body.id;
    // BIS's own UI disables the first behind Entra's back.
    server.employees.get(Number(id))!.status = "INACTIVE";
    const findings = await bridge.reconciliation.run();
    expect(findings.disabledButActiveInEntra).toEqual([id]);
    expect(findings.disabledButActiveInEntra).not.toContain(other);
    expect(findings.withoutExternalId).toMatchObject({ total: 0, unavailable: expect.stringContaining("cannot list users without a value") });
  });

  it("runs the termination-dates job over every user, page by page, each date decided in code (the API searches neither dates nor status)", async () => {
    const left = (await bridge.request("POST", "/Users", entraUser("left.rest@contoso.com", { [BIS]: { terminationdate: "2021-06-30T00:00:00Z" } }))).body.id;
    const staying = (await bridge.request("POST", "/Users", entraUser("staying.rest@contoso.com", { [BIS]: { terminationdate: "2999-06-30T00:00:00Z" } }))).body.id;
    expect(await bridge.scheduler.runNow("termination-dates")).toBe("success");
    expect(server.employees.get(Number(left))!.status).toBe("INACTIVE");
    expect(server.employees.get(Number(staying))!.status).toBe("ACTIVE");
    expect(bridge.logs.entries).toContainEqual(expect.objectContaining({ message: "termination-dates job", disabled: 1, datesDecidedIn: "code" }));
  });

  it("feeds /readyz from the probe: ready while BIS answers, 503 when it does not", async () => {
    expect(await bridge.scheduler.runNow("backend-probe")).toBe("success");
    const ready = await fetch(`${bridge.scimUrl.replace(/\/scim\/v2$/, "")}/readyz`);
    expect(ready.status).toBe(200);
    server.faults.push({ status: 503, retryAfter: 0 }, { status: 503, retryAfter: 0 }, { status: 503, retryAfter: 0 }, { status: 503, retryAfter: 0 }, { status: 503, retryAfter: 0 });
    await bridge.scheduler.runNow("backend-probe");
    const down = await fetch(`${bridge.scimUrl.replace(/\/scim\/v2$/, "")}/readyz`);
    expect(down.status).toBe(503);
  });
});
