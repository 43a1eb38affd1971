/** The backend probe feeds /readyz and bis_bridge_backend_up; pool and job metrics are scraped. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { configSchema } from "../../src/config/config-schema.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { startTestBridge, type TestBridge } from "../support/bridge-harness.js";

let db: TestDatabase;
let bridge: TestBridge;
beforeAll(async () => {
  db = await createTestDatabase("sqlite", { seed: true });
  // A probe every second, so the test sees the schedule itself run.
  bridge = await startTestBridge({ store: db.config, jobs: { backendProbe: { schedule: "* * * * * *" } } });
});
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
});

const base = () => bridge.scimUrl.replace(/\/scim\/v2$/, "");
const metricsText = async () => (await fetch(`${base()}/metrics`)).text();

it("runs on its schedule and shows in /metrics: backend up, job runs, last run time, pool gauges", async () => {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(bridge.probe.last).toMatchObject({ up: true });
  const text = await metricsText();
  expect(text).toContain("bis_bridge_backend_up 1");
  expect(text).toMatch(/bis_bridge_job_runs_total\{job="backend-probe",result="success"\} [1-9]/);
  expect(text).toMatch(/bis_bridge_job_last_run_timestamp_seconds\{job="backend-probe"\} \d+/);
  expect(text).toMatch(/bis_bridge_pool_connections_used \d+/);
  expect(text).toMatch(/bis_bridge_pool_connections_free \d+/);
  expect(text).toMatch(/bis_bridge_pool_pending_acquires 0/);
});

it("/readyz answers from a fresh probe result, and reports BIS down once the probe fails", async () => {
  expect((await fetch(`${base()}/readyz`)).status).toBe(200);
  await bridge.scheduler.stop(); // no more ticks: the test decides when the probe runs
  await bridge.store.close(); // BIS gone for this bridge
  await bridge.probe.probe();
  const ready = await fetch(`${base()}/readyz`);
  expect(ready.status).toBe(503);
  expect(ready.headers.get("retry-after")).toBe("10");
  expect(await metricsText()).toContain("bis_bridge_backend_up 0");
});

it("a bad cron expression stops start-up naming the key", () => {
  const parsed = configSchema.safeParse({ mapping: "m.yaml", store: { engine: "sqlite", file: "x" }, jobs: { backendProbe: { schedule: "every minute" } } });
  expect(parsed.success).toBe(false);
  expect(parsed.error?.issues[0]).toMatchObject({ path: ["jobs", "backendProbe", "schedule"], message: "not a valid cron expression" });
});
