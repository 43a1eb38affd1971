/**
 * Faults injected mid-request between a real bridge process and its database, through a TCP
 * proxy on loopback (the shared servers other tests use are never touched): the connection cut
 * (the server gone), the network blackholed, the network slowed past the deadline, the user
 * table locked by another session, and the pool exhausted behind that lock.
 * For each: every request answers in time (503 with Retry-After, or success), the process lives,
 * it serves again by itself once the fault is lifted, a retry of each refused create succeeds
 * exactly once, and no acknowledged write is lost, half-written or duplicated.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import knexFactory, { type Knex } from "knex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entraUser } from "../support/bridge-harness.js";
import { buildKnexConfig } from "../../src/store/sql/sql-config.js";
import { createTestDatabase, engineAvailable, type TestDatabase } from "../support/databases.js";
import { checkBis, lostCreates } from "./support/bis-invariants.js";
import { scim, startBridgeProcess, writeBridgeConfig, type BridgeProcess } from "../support/bridge-process.js";
import { recordCases, recordFault } from "./support/results.js";
import { TcpProxy, throughProxy } from "./support/tcp-proxy.js";

const DOMAIN = "@fault.rel.contoso.com";
const execFileAsync = promisify(execFile);
/** The store's deadline in these bridges; a request unanswered 5 s after it counts as hung. */
const DEADLINE_MS = 3_000;
const HUNG_AFTER_MS = DEADLINE_MS + 5_000;
const CREATES = 12;
const READS = 3;

interface Fault {
  readonly name: string;
  /** Which bridge: the normal one, or the one with a single pooled connection. */
  readonly bridge: "normal" | "tiny-pool";
  inject(): Promise<void> | void;
  lift(): Promise<void> | void;
}

async function waitReady(bridge: BridgeProcess, withinMs: number): Promise<boolean> {
  const root = bridge.scimUrl.replace(/\/scim\/v2$/, "");
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    const status = await fetch(`${root}/readyz`, { signal: AbortSignal.timeout(DEADLINE_MS + 2_000) }).then((r) => r.status, () => 0);
    if (status === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** Holds a lock on the user table from another session until released. */
async function lockUsersTable(db: TestDatabase): Promise<() => Promise<void>> {
  // One pooled connection, so the release runs on the session that locked.
  const admin: Knex = knexFactory({ ...buildKnexConfig(db.config), pool: { min: 1, max: 1 } });
  if (db.engine === "mariadb") {
    await admin.raw("LOCK TABLES `Users` WRITE");
    return async () => {
      await admin.raw("UNLOCK TABLES");
      await admin.destroy();
    };
  }
  const trx = await admin.transaction();
  if (db.engine === "postgres") await trx.raw('LOCK TABLE "Users" IN ACCESS EXCLUSIVE MODE');
  // SQL Server: a schema change left open holds a schema-modification lock, which every read and
  // write of the table waits for (and which Babelfish, ignoring TABLOCKX hints, honours too).
  else await trx.raw("ALTER TABLE Users ADD FaultProbe INT NULL");
  return async () => {
    await trx.rollback();
    await admin.destroy();
  };
}

/**
 * "SQL Server stopped, then started again": BIS_TEST_MSSQL_CONTROL names a folder whose stop.sh
 * and start.sh stop and start the server behind BIS_TEST_MSSQL_URL (.ci/run sets test/babelfish).
 */
function serverRestart(): Fault[] {
  const control = process.env.BIS_TEST_MSSQL_CONTROL;
  if (!control) {
    console.warn("skipping the SQL Server restart fault: BIS_TEST_MSSQL_CONTROL (a folder with stop.sh and start.sh) is not set");
    return [];
  }
  const run = (script: string) => execFileAsync("bash", [path.join(control, script)], { timeout: 60_000 });
  return [{ name: "server stopped, then started again", bridge: "normal", inject: () => run("stop.sh").then(() => undefined), lift: () => run("start.sh").then(() => undefined) }];
}

for (const engine of ["postgres", "mariadb", "mssql"] as const) {
  describe.skipIf(!engineAvailable(engine))(`faults between the bridge and ${engine}`, () => {
    let db: TestDatabase;
    let proxy: TcpProxy;
    const bridges: Record<Fault["bridge"], BridgeProcess | undefined> = { normal: undefined, "tiny-pool": undefined };
    let releaseLock: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      // Seeded: creates name the Operations department, a lookup BIS must already hold.
      db = await createTestDatabase(engine, { seed: true });
      const target = new URL((db.config as { url: string }).url);
      proxy = await TcpProxy.start(target.hostname, Number(target.port));
      const store = { ...db.config, url: throughProxy((db.config as { url: string }).url, proxy), lockTimeoutMs: 1_500, requestTimeoutMs: 2_000, deadlineMs: DEADLINE_MS };
      [bridges.normal, bridges["tiny-pool"]] = await Promise.all([
        startBridgeProcess(writeBridgeConfig({ ...store, pool: { min: 0, max: 4 } })),
        startBridgeProcess(writeBridgeConfig({ ...store, pool: { min: 0, max: 1 } })),
      ]);
    });
    afterAll(async () => {
      await releaseLock?.().catch(() => undefined);
      await Promise.all(Object.values(bridges).map((b) => b?.stop()));
      await proxy?.close();
      await db?.drop();
    });

    const faults: Fault[] = [
      { name: "database connection cut (server gone)", bridge: "normal", inject: () => proxy.cut(), lift: () => proxy.restore() },
      { name: "network blackholed (server hung)", bridge: "normal", inject: () => proxy.blackhole(), lift: () => proxy.restore() },
      {
        name: "network slowed past the deadline",
        bridge: "normal",
        inject: () => void (proxy.latencyMs = DEADLINE_MS + 1_000),
        lift: () => void (proxy.latencyMs = 0),
      },
      {
        name: "user table locked by another session",
        bridge: "normal",
        inject: async () => void (releaseLock = await lockUsersTable(db)),
        lift: async () => {
          await releaseLock?.();
          releaseLock = undefined;
        },
      },
      {
        name: "pool exhausted (1 connection, table locked)",
        bridge: "tiny-pool",
        inject: async () => void (releaseLock = await lockUsersTable(db)),
        lift: async () => {
          await releaseLock?.();
          releaseLock = undefined;
        },
      },
      // The server itself stopped and started again, where the test run controls it (CI's Babelfish).
      ...(engine === "mssql" ? serverRestart() : []),
    ];

    for (const fault of faults) {
      it(`${fault.name}: 503 + Retry-After in time, recovers alone, retries succeed once, nothing lost`, async () => {
        const bridge = bridges[fault.bridge]!;
        // Short: externalId is "ext-" + e-mail, and BIS holds 64 characters of it.
        const slug = `f${faults.indexOf(fault)}`;
        const emails = Array.from({ length: CREATES }, (_, i) => `${slug}-${i}.${engine.slice(0, 2)}${DOMAIN}`);
        // A little latency keeps the requests inside their transactions when the fault strikes.
        proxy.latencyMs = 40;
        const pending = [
          ...emails.map((email) => scim(bridge.scimUrl, "POST", "/Users", entraUser(email), HUNG_AFTER_MS)),
          ...Array.from({ length: READS }, () => scim(bridge.scimUrl, "GET", `/Users?filter=${encodeURIComponent(`userName eq "${emails[0]}"`)}`, undefined, HUNG_AFTER_MS)),
        ];
        await new Promise((resolve) => setTimeout(resolve, 150));
        await fault.inject();
        const answers = await Promise.all(pending);
        await fault.lift();
        proxy.latencyMs = 0;

        const statuses = answers.map((a) => a.status);
        const hung = statuses.filter((s) => s === 0).length;
        const unavailable = answers.filter((a) => a.status === 503);
        const withoutRetryAfter = unavailable.filter((a) => !/^\d+$/.test(a.headers.get("retry-after") ?? "")).length;
        const unexpected = answers.filter((a) => ![200, 201, 503, 0].includes(a.status)).map((a) => `${a.status} ${JSON.stringify(a.body).slice(0, 160)}`);
        const alive = bridge.child.exitCode === null && bridge.child.signalCode === null;

        const recoveredAlone = alive && (await waitReady(bridge, 30_000));
        const acknowledged = emails.filter((_, i) => answers[i].status === 201);
        const retried = emails.filter((_, i) => answers[i].status !== 201);
        const retries = await Promise.all(retried.map((email) => scim(bridge.scimUrl, "POST", "/Users", entraUser(email), HUNG_AFTER_MS)));
        // A second retry must now be refused as a duplicate: the first retry wrote exactly once.
        const again = await Promise.all(retried.map((email) => scim(bridge.scimUrl, "POST", "/Users", entraUser(email), HUNG_AFTER_MS)));
        const retriesOk = retries.every((r) => r.status === 201) && again.every((r) => r.status === 409);

        const lost = await lostCreates(db.knex, acknowledged);
        const health = await checkBis(db.knex, DOMAIN);
        const count = Number((await db.knex("Users").whereIn("Email", emails).count({ n: "*" }))[0].n);
        recordFault({
          fault: fault.name,
          engine,
          requests: answers.length,
          unavailable: unavailable.length - withoutRetryAfter,
          hung,
          lostWrites: lost.length,
          halfWritten: health.halfWritten,
          duplicates: health.duplicates,
          recovered: recoveredAlone && retriesOk,
        });
        const casesPassed = answers.filter((a) => a.status === 201 || a.status === 200 || (a.status === 503 && /^\d+$/.test(a.headers.get("retry-after") ?? ""))).length;
        recordCases("faults", `${fault.name} [${engine}]`, answers.length + retries.length, casesPassed + retries.filter((r) => r.status === 201).length);

        expect({ hung, unexpected, withoutRetryAfter, alive }).toEqual({ hung: 0, unexpected: [], withoutRetryAfter: 0, alive: true });
        // The fault must have been felt: some request answered 503 (else the test proved nothing).
        expect(unavailable.length).toBeGreaterThan(0);
        expect(answers.every((a) => a.ms < DEADLINE_MS + 2_500)).toBe(true);
        expect(recoveredAlone).toBe(true);
        expect(retries.map((r) => r.status), bridge.output().slice(-1500)).toEqual(retries.map(() => 201));
        expect(again.map((r) => r.status)).toEqual(again.map(() => 409));
        expect({ lost, ...health, count }).toEqual({ lost: [], duplicates: 0, halfWritten: 0, count: CREATES });
        expect(bridge.output()).not.toMatch(/Unhandled|uncaught/i);
      });
    }
  });
}
