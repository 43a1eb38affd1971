/**
 * SIGTERM (docker stop, a Kubernetes rollout, a Windows service stop) ends the bridge gracefully:
 * a request in flight is answered in full, new connections are refused, and the process exits 0.
 * The slow request is a BIS REST API answer held back for a while.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BisRestServer } from "../support/bis-rest-server.js";
import { entraUser } from "../support/bridge-harness.js";
import { scim, startBridgeProcess, writeBridgeConfig, type BridgeProcess } from "../support/bridge-process.js";
import { REST_REFERENCE_MAPPING } from "../support/paths.js";
import { API_KEY, restStoreConfig } from "../support/rest-backend.js";

describe("graceful shutdown", () => {
  let api: BisRestServer;
  let bridge: BridgeProcess;
  beforeAll(async () => {
    api = await new BisRestServer({ auth: { kind: "apiKey", key: API_KEY } }).start();
    bridge = await startBridgeProcess(writeBridgeConfig(restStoreConfig(api), { mapping: REST_REFERENCE_MAPPING, jobs: { backendProbe: { enabled: false } } }));
  });
  afterAll(async () => {
    await bridge?.stop();
    await api?.stop();
  });

  it("answers the request in flight, refuses new connections, and exits 0", async () => {
    const created = await scim(bridge.scimUrl, "POST", "/Users", entraUser("in.flight@contoso.com"));
    expect(created.status).toBe(201);
    api.faults.push({ method: "GET", path: `/api/v1/employees/${created.body.id}`, delayMs: 1500 });
    const inFlight = scim(bridge.scimUrl, "GET", `/Users/${created.body.id}`);
    await new Promise((resolve) => setTimeout(resolve, 400));
    bridge.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(fetch(`${bridge.scimUrl}/Users`)).rejects.toThrow();
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.body.userName).toBe("in.flight@contoso.com");
    expect(await bridge.exited).toBe(0);
  });
});
