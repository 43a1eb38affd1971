/**
 * Concurrency over several real bridge processes on one PostgreSQL or MariaDB database:
 * racing creates of one e-mail make exactly one user, racing PATCHes of one user end in the state
 * of some serial order, and crossing writes (e-mail swaps against creates) never hang a request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entraUser } from "../support/bridge-harness.js";
import { BisRestServer } from "../support/bis-rest-server.js";
import { createTestDatabase, engineAvailable, type TestDatabase } from "../support/databases.js";
import { REST_REFERENCE_MAPPING } from "../support/paths.js";
import { API_KEY, restStoreConfig } from "../support/rest-backend.js";
import { checkBis } from "./support/bis-invariants.js";
import { scim, startBridgeProcess, writeBridgeConfig, type BridgeProcess } from "../support/bridge-process.js";
import { recordCases, recordFault } from "./support/results.js";

const DOMAIN = "@race.rel.contoso.com";
const PROCESSES = 3;
const DEADLINE_MS = 30_000;
const patchOf = (operations: unknown[]) => ({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: operations });

/**
 * Three rounds of 50 parallel creates of one e-mail (in varying case) spread over the bridges:
 * each round one 201 and 49 409s naming the winner, and one stored user (`stored` counts them).
 */
async function racingCreates(url: (i: number) => string, label: string, stored: (email: string) => Promise<number>) {
  let tried = 0;
  let passed = 0;
  let hung = 0;
  let duplicates = 0;
  for (let round = 0; round < 3; round++) {
    const email = `racer${round}.${label}${DOMAIN}`;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => scim(url(i), "POST", "/Users", entraUser(i % 3 === 0 ? email.toUpperCase() : email), DEADLINE_MS)),
    );
    const statuses = responses.map((r) => r.status);
    hung += statuses.filter((s) => s === 0).length;
    const created = statuses.filter((s) => s === 201).length;
    const conflicts = statuses.filter((s) => s === 409).length;
    const users = await stored(email);
    duplicates += Math.max(0, users - 1);
    tried += 50;
    if (created === 1 && conflicts === 49 && users === 1) passed += 50;
    expect({ created, conflicts, users }).toEqual({ created: 1, conflicts: 49, users: 1 });
    // Every 409 names the one user that won.
    const winner = responses.find((r) => r.status === 201)!.body.id;
    expect(responses.filter((r) => r.status === 409).every((r) => String(r.body.detail).includes(`BIS user ${winner}`))).toBe(true);
  }
  return { tried, passed, hung, duplicates };
}

// Server engines only: SQLite has one writer per file (test/store/concurrency.test.ts covers it).
for (const engine of ["postgres", "mariadb", "mssql"] as const) describe.skipIf(!engineAvailable(engine))(`concurrency across bridge processes [${engine}]`, () => {
  let db: TestDatabase;
  const bridges: BridgeProcess[] = [];
  const url = (i: number) => bridges[i % bridges.length].scimUrl;

  beforeAll(async () => {
    db = await createTestDatabase(engine, { seed: false });
    // 30 PATCHes of one user queue on its lock, each waiting for those before it: on Babelfish,
    // whose statements are slower than SQL Server's, the last waits about 9 s on an idle machine
    // and past the default 10 s lock timeout (503) under CI load. The test is about order, not
    // latency, so the wait may take most of the 30 s deadline.
    const config = writeBridgeConfig({ ...db.config, lockTimeoutMs: 25_000 });
    bridges.push(...(await Promise.all(Array.from({ length: PROCESSES }, () => startBridgeProcess(config)))));
  });
  afterAll(async () => {
    await Promise.all(bridges.map((b) => b.stop()));
    await db?.drop();
  });

  it("50 parallel creates of one e-mail (in varying case), three rounds, make exactly one user each", async () => {
    const race = await racingCreates(url, engine, async (email) => Number((await db.knex("Users").whereRaw("LOWER(??) = LOWER(?)", ["Email", email]).count({ n: "*" }))[0].n));
    const health = await checkBis(db.knex, DOMAIN);
    const rows = await db.knex("Users").count({ n: "*" });
    recordCases("concurrency", `racing creates [${engine}]`, race.tried, race.passed);
    recordFault({ fault: "race: 3x50 creates of one e-mail, 3 processes", engine, requests: race.tried, unavailable: 0, hung: race.hung, lostWrites: 0, halfWritten: health.halfWritten, duplicates: health.duplicates, recovered: true });
    expect(Number(rows[0].n)).toBe(3);
    expect(health).toEqual({ duplicates: 0, halfWritten: 0 });
    expect(race.hung).toBe(0);
  });

  it("30 parallel PATCHes of one user end in the state one of them wrote whole (a serial order)", async () => {
    const created = await scim(url(0), "POST", "/Users", entraUser(`patched.${engine}${DOMAIN}`));
    expect(created.status).toBe(201);
    const id = created.body.id;
    const N = 30;
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        scim(
          url(i),
          "PATCH",
          `/Users/${id}`,
          patchOf([
            { op: "Replace", path: "title", value: `Title ${i}` },
            { op: "Replace", path: "name.familyName", value: `Family ${i}` },
            { op: "Add", path: 'phoneNumbers[type eq "mobile"].value', value: `+1 403 555 ${String(1000 + i)}` },
            { op: "Replace", path: 'addresses[type eq "work"].locality', value: `City ${i}` },
            { op: "Replace", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", value: `Dept ${i % 4}` },
          ]),
          DEADLINE_MS,
        ),
      ),
    );
    const statuses = responses.map((r) => r.status);
    const final = (await scim(url(1), "GET", `/Users/${id}`)).body;
    const tag = /^Title (\d+)$/.exec(final.title)?.[1];
    const i = Number(tag);
    // Every attribute carries the same writer's values: no write interleaved with another.
    const expected = {
      title: `Title ${i}`,
      name: expect.objectContaining({ familyName: `Family ${i}` }),
      phoneNumbers: expect.arrayContaining([expect.objectContaining({ type: "mobile", value: `+1 403 555 ${1000 + i}` })]),
      addresses: [expect.objectContaining({ locality: `City ${i}` })],
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": expect.objectContaining({ department: `Dept ${i % 4}` }),
    };
    const consistent = tag !== undefined && (() => {
      try {
        expect(final).toMatchObject(expected);
        return true;
      } catch {
        return false;
      }
    })();
    // Each answer is itself a whole state: what that request wrote.
    const wholeAnswers = responses.filter((r, k) => r.status === 200 && r.body.title === `Title ${k}` && r.body.name.familyName === `Family ${k}`).length;
    recordCases("concurrency", `racing PATCHes [${engine}]`, N + 1, wholeAnswers + (consistent ? 1 : 0));
    expect(statuses).toEqual(statuses.map(() => 200));
    expect(wholeAnswers).toBe(N);
    expect(final).toMatchObject(expected);
  });

  it("crossing writes (e-mail swaps against creates and deletes) all answer, and leave no duplicate", async () => {
    const a = `swap-a.${engine}${DOMAIN}`;
    const b = `swap-b.${engine}${DOMAIN}`;
    const ua = (await scim(url(0), "POST", "/Users", entraUser(a))).body.id;
    const ub = (await scim(url(1), "POST", "/Users", entraUser(b))).body.id;
    const c = `swap-c.${engine}${DOMAIN}`;
    const requests = Array.from({ length: 40 }, (_, i) => {
      switch (i % 5) {
        case 0:
          return scim(url(i), "PATCH", `/Users/${ua}`, patchOf([{ op: "replace", path: "userName", value: i % 2 ? b : c }]), DEADLINE_MS);
        case 1:
          return scim(url(i), "PATCH", `/Users/${ub}`, patchOf([{ op: "replace", path: "userName", value: i % 2 ? a : c }]), DEADLINE_MS);
        case 2:
          return scim(url(i), "POST", "/Users", entraUser(i % 2 ? a : c), DEADLINE_MS);
        case 3:
          return scim(url(i), "POST", "/Users", entraUser(b), DEADLINE_MS);
        default:
          return scim(url(i), "PUT", `/Users/${i % 2 ? ua : ub}`, entraUser(i % 3 ? c : a), DEADLINE_MS);
      }
    });
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    const hung = statuses.filter((s) => s === 0).length;
    const unexpected = statuses.filter((s) => ![200, 201, 409].includes(s));
    const health = await checkBis(db.knex, DOMAIN);
    recordCases("concurrency", `crossing writes [${engine}]`, statuses.length, statuses.length - unexpected.length);
    recordFault({ fault: "race: 40 crossing e-mail swaps/creates/PUTs", engine, requests: statuses.length, unavailable: statuses.filter((s) => s === 503).length, hung, lostWrites: 0, halfWritten: health.halfWritten, duplicates: health.duplicates, recovered: true });
    expect(hung).toBe(0);
    expect(unexpected).toEqual([]);
    expect(health).toEqual({ duplicates: 0, halfWritten: 0 });
  });
});

// The REST backend: three bridge processes on one BIS REST API (the fake reference API on
// loopback). BIS's own duplicate answer keeps one user across processes; PATCHes of one user are
// serialised inside a bridge (an API offers no lock across replicas: docs/rest-backend.md).
describe("concurrency across bridge processes [rest]", () => {
  let api: BisRestServer;
  const bridges: BridgeProcess[] = [];
  const url = (i: number) => bridges[i % bridges.length].scimUrl;
  const employeesWith = (email: string) => [...api.employees.values()].filter((e) => e.email.toLowerCase() === email.toLowerCase());

  beforeAll(async () => {
    // The race is the subject here, not BIS's rate limit (test/rest covers that).
    api = await new BisRestServer({ auth: { kind: "apiKey", key: API_KEY }, rateLimit: 10_000 }).start();
    const config = writeBridgeConfig(restStoreConfig(api, { requestsPerSecond: 200 }), { mapping: REST_REFERENCE_MAPPING });
    bridges.push(...(await Promise.all(Array.from({ length: PROCESSES }, () => startBridgeProcess(config)))));
  });
  afterAll(async () => {
    await Promise.all(bridges.map((b) => b.stop()));
    await api?.stop();
  });

  it("50 parallel creates of one e-mail (in varying case), three rounds, make exactly one employee each", async () => {
    const race = await racingCreates(url, "rest", async (email) => employeesWith(email).length);
    recordCases("concurrency", "racing creates [rest]", race.tried, race.passed);
    recordFault({ fault: "race: 3x50 creates of one e-mail, 3 processes", engine: "rest", requests: race.tried, unavailable: 0, hung: race.hung, lostWrites: 0, halfWritten: 0, duplicates: race.duplicates, recovered: true });
    expect(race.hung).toBe(0);
  });

  it("30 parallel PATCHes of one user through one bridge end in the state one of them wrote whole", async () => {
    const created = await scim(url(0), "POST", "/Users", entraUser(`patched.rest${DOMAIN}`));
    expect(created.status).toBe(201);
    const id = created.body.id;
    const N = 30;
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        scim(
          url(0),
          "PATCH",
          `/Users/${id}`,
          patchOf([
            { op: "Replace", path: "title", value: `Title ${i}` },
            { op: "Replace", path: "name.familyName", value: `Family ${i}` },
            { op: "Add", path: 'phoneNumbers[type eq "mobile"].value', value: `+1 403 555 ${String(1000 + i)}` },
            { op: "Replace", path: 'addresses[type eq "work"].locality', value: `City ${i}` },
          ]),
          DEADLINE_MS,
        ),
      ),
    );
    const stored = api.employees.get(Number(id))!;
    const i = Number(/^Title (\d+)$/.exec(stored.jobTitle ?? "")?.[1]);
    const whole = stored.lastName === `Family ${i}` && stored.phones.mobile === `+1 403 555 ${1000 + i}` && stored.address.city === `City ${i}`;
    const wholeAnswers = responses.filter((r, k) => r.status === 200 && r.body.title === `Title ${k}` && r.body.name.familyName === `Family ${k}`).length;
    recordCases("concurrency", "racing PATCHes [rest]", N + 1, wholeAnswers + (whole ? 1 : 0));
    expect(wholeAnswers).toBe(N);
    expect(whole).toBe(true);
  });
});
