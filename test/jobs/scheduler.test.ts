/** Scheduled jobs: one run per schedule tick across replicas on one database, and a clean stop. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createScheduler, type Job } from "../../src/jobs/scheduler.js";
import { createLogger } from "../../src/ops/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";
import type { SqlUserStore } from "../../src/store/sql/sql-user-store.js";
import { createTestDatabase, describeEachEngine, type TestDatabase } from "../support/databases.js";
import { storeFor } from "../store/store-fixtures.js";

const logger = createLogger({ level: "error", format: "json" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachEngine("exclusive jobs across replicas", (engine) => {
  let database: TestDatabase;
  let stores: SqlUserStore[];
  beforeAll(async () => {
    database = await createTestDatabase(engine);
    // Two replicas: separate pools on one database.
    stores = [storeFor(database), storeFor(database)];
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await database.drop();
  });

  it("runExclusive skips while another pool holds the lock, and runs once it is released", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = stores[0].runExclusive("probe-lock", async () => {
      entered();
      await held;
    });
    await inside;
    expect(await stores[1].runExclusive("probe-lock", async () => {})).toBe(false);
    expect(await stores[1].runExclusive("other-lock", async () => {})).toBe(true);
    release();
    expect(await first).toBe(true);
    expect(await stores[1].runExclusive("probe-lock", async () => {})).toBe(true);
  });

  it("30 rounds of two replicas racing for one job lock: each round one runs, the other skips, and nothing wears out", async () => {
    // A refused lock must leave its session usable (on Babelfish a few refusals on one session once aborted the server).
    for (let round = 0; round < 30; round += 1) {
      const ran = await Promise.all(stores.map((store) => store.runExclusive("race-lock", async () => void (await sleep(5)))));
      expect(ran.filter(Boolean).length, `round ${round}`).toBeGreaterThanOrEqual(1);
    }
    expect(await Promise.all(stores.map((store) => store.ping().then(() => "up")))).toEqual(["up", "up"]);
  });

  it("two schedulers firing the same job every second run each tick once", async () => {
    const ticks: number[] = [];
    const metrics = [createMetrics(), createMetrics()];
    const job: Job = {
      name: "tick-job",
      schedule: "* * * * * *",
      exclusive: true,
      async run() {
        ticks.push(Math.floor(Date.now() / 1000));
      },
    };
    const schedulers = stores.map((store, i) => createScheduler([job], { store: () => store, metrics: metrics[i], logger }));
    schedulers.forEach((scheduler) => scheduler.start());
    await sleep(4200);
    await Promise.all(schedulers.map((scheduler) => scheduler.stop()));
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ticks).size).toBe(ticks.length); // no tick ran twice
    const counts = await Promise.all(metrics.map(async (m) => (await m.jobRuns.get()).values));
    const total = (result: string) => counts.flat().filter((v) => v.labels.result === result).reduce((sum, v) => sum + v.value, 0);
    expect(total("success")).toBe(ticks.length);
    expect(total("skipped")).toBeGreaterThanOrEqual(1);
    expect(schedulers.flatMap((s) => s.history).every((run) => run.job === "tick-job")).toBe(true);
  });
});

it("stop() ends a run that holds its lock until the next tick, without waiting for it", async () => {
  const database = await createTestDatabase("sqlite");
  const store = storeFor(database);
  try {
    let ran = false;
    const job: Job = { name: "hourly", schedule: "0 0 * * * *", exclusive: true, run: async () => void (ran = true) };
    const scheduler = createScheduler([job], { store: () => store, metrics: createMetrics(), logger });
    scheduler.start();
    // Fire by hand with a hold an hour long, as a tick of an hourly schedule would.
    const run = scheduler.runNow("hourly", new Date(Date.now() + 3_600_000));
    await sleep(200);
    expect(ran).toBe(true);
    // The run shows as soon as its work is done, though its lock is held to the next tick.
    expect(scheduler.history[0]).toMatchObject({ job: "hourly", result: "success" });
    const started = Date.now();
    await scheduler.stop();
    expect(await run).toBe("success");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(scheduler.history[0]).toMatchObject({ job: "hourly", result: "success" });
  } finally {
    await store.close();
    await database.drop();
  }
});

it("a failing job is counted as a failure, and overlapping runs in one process do not start", async () => {
  const metrics = createMetrics();
  let running = 0;
  let most = 0;
  const job: Job = {
    name: "slow",
    schedule: "0 0 * * * *",
    exclusive: false,
    async run() {
      running += 1;
      most = Math.max(most, running);
      await sleep(50);
      running -= 1;
      throw new Error("boom");
    },
  };
  const scheduler = createScheduler([job], { store: () => ({}), metrics, logger });
  const results = await Promise.all([scheduler.runNow("slow"), scheduler.runNow("slow")]);
  expect(results).toEqual(["failure", "skipped"]);
  expect(most).toBe(1);
  expect(scheduler.history[0]).toMatchObject({ job: "slow", result: "failure", error: "boom" });
  expect(await metrics.registry.getSingleMetricAsString("bis_bridge_job_runs_total")).toContain('bis_bridge_job_runs_total{job="slow",result="failure"} 1');
});
