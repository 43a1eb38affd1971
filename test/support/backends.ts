/**
 * The SCIM suites that hold for every BIS backend run on each: the SQL engines this machine has,
 * and BIS's REST API (the fake reference API on loopback). A backend context gives what the
 * suites need without naming tables or API fields: the bridge, a snapshot of everything BIS
 * holds, the users stored with one e-mail, and further bridges on the same BIS.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe } from "vitest";
import { BisRestServer, type Employee } from "./bis-rest-server.js";
import { startTestBridge, type TestBridge } from "./bridge-harness.js";
import { createTestDatabase, dumpTables, engineAvailable, ALL_TEST_ENGINES, type TestDatabase, type TestEngine } from "./databases.js";
import { mappingVariant } from "./mapping-variant.js";
import { REFERENCE_MAPPING, REST_REFERENCE_MAPPING } from "./paths.js";
import { API_KEY, restStoreConfig } from "./rest-backend.js";

export type Backend = TestEngine | "rest";

export interface StoredUser {
  readonly id: string;
  readonly email: string;
  readonly active: boolean;
}

export interface BackendContext {
  readonly backend: Backend;
  bridge: TestBridge;
  /** The SQL backends' database, for assertions only tables can answer. */
  db?: TestDatabase;
  /** The REST backend: how many calls BIS's API has received so far. */
  apiCalls?: () => number;
  /** Everything BIS holds: equal snapshots mean a request changed nothing. */
  snapshot(): Promise<unknown>;
  /** The live users BIS keeps with this e-mail, ignoring case. */
  usersWithEmail(email: string): Promise<StoredUser[]>;
  /** Every live user's e-mail exactly as BIS stores it. */
  storedEmails(): Promise<{ id: string; email: string }[]>;
  /** The users a seeded BIS holds sharing one e-mail (in different case). */
  legacyDuplicates(): Promise<{ email: string; ids: string[] }>;
  /** Another bridge on the same BIS, with the reference mapping edited as a consultant would. */
  startBridge(editMapping?: (yaml: string) => string): Promise<TestBridge>;
}

export function describeEachBackend(title: string, body: (backend: Backend) => void): void {
  for (const engine of ALL_TEST_ENGINES) {
    describe.skipIf(!engineAvailable(engine))(`${title} [${engine}]`, () => body(engine));
  }
  describe(`${title} [rest]`, () => body("rest"));
}

/** The legacy data every seeded BIS holds: a pair of users sharing one e-mail in different case. */
const LEGACY_DUPLICATES = ["Legacy.Dup@contoso.com", "legacy.dup@CONTOSO.com"];

export function bridgeOnBackend(backend: Backend, options: { seed?: boolean } = {}): BackendContext {
  return backend === "rest" ? restContext(options.seed ?? true) : sqlContext(backend, options.seed ?? true);
}

function sqlContext(engine: TestEngine, seed: boolean): BackendContext {
  let db: TestDatabase;
  const context: BackendContext = {
    backend: engine,
    bridge: undefined as unknown as TestBridge,
    snapshot: () => dumpTables(db.knex),
    async usersWithEmail(email) {
      const rows: { UserID: number; Email: string; IsActive: unknown; IsDeleted: unknown }[] = await db.knex("Users").select("UserID", "Email", "IsActive", "IsDeleted");
      return rows.filter((r) => Number(r.IsDeleted) !== 1 && r.Email.toLowerCase() === email.toLowerCase()).map((r) => ({ id: String(r.UserID), email: r.Email, active: Number(r.IsActive) === 1 }));
    },
    async storedEmails() {
      const rows: { UserID: number; Email: string; IsDeleted: unknown }[] = await db.knex("Users").select("UserID", "Email", "IsDeleted");
      return rows.filter((r) => Number(r.IsDeleted) !== 1).map((r) => ({ id: String(r.UserID), email: r.Email }));
    },
    async legacyDuplicates() {
      const rows: { UserID: number; Email: string }[] = await db.knex("Users").select("UserID", "Email");
      const groups = new Map<string, string[]>();
      for (const r of rows) groups.set(r.Email.toLowerCase(), [...(groups.get(r.Email.toLowerCase()) ?? []), String(r.UserID)]);
      const [email, ids] = [...groups.entries()].find(([, g]) => g.length > 1)!;
      return { email, ids };
    },
    startBridge: (edit) => startTestBridge({ store: db.config, mapping: edit ? mappingVariant(edit) : REFERENCE_MAPPING }),
  };
  beforeAll(async () => {
    db = context.db = await createTestDatabase(engine, { seed });
    context.bridge = await startTestBridge({ store: db.config });
  });
  afterAll(async () => {
    await context.bridge?.close();
    await db?.drop();
  });
  return context;
}

function restContext(seed: boolean): BackendContext {
  let server: BisRestServer;
  const context: BackendContext = {
    backend: "rest",
    bridge: undefined as unknown as TestBridge,
    apiCalls: () => server.requests.length,
    snapshot: async () => JSON.parse(JSON.stringify([...server.employees.entries()])),
    async usersWithEmail(email) {
      return [...server.employees.values()]
        .filter((e) => e.email.toLowerCase() === email.toLowerCase())
        .map((e) => ({ id: String(e.employeeId), email: e.email, active: e.status === "ACTIVE" }));
    },
    storedEmails: async () => [...server.employees.values()].map((e) => ({ id: String(e.employeeId), email: e.email })),
    legacyDuplicates: async () => ({ email: LEGACY_DUPLICATES[0].toLowerCase(), ids: LEGACY_DUPLICATES.map((_, i) => String(900 + i)) }),
    startBridge: (edit) =>
      startTestBridge({ store: restStoreConfig(server), mapping: edit ? mappingVariant(edit, REST_REFERENCE_MAPPING) : REST_REFERENCE_MAPPING }),
  };
  beforeAll(async () => {
    // Generous limit: several bridges share it in the race tests (each bridge keeps BIS's 10/s itself).
    server = await new BisRestServer({ auth: { kind: "apiKey", key: API_KEY }, rateLimit: 100 }).start();
    if (seed) LEGACY_DUPLICATES.forEach((email, i) => server.employees.set(900 + i, legacyEmployee(900 + i, email)));
    context.bridge = await startTestBridge({ store: restStoreConfig(server), mapping: REST_REFERENCE_MAPPING });
  });
  afterAll(async () => {
    await context.bridge?.close();
    await server?.stop();
  });
  return context;
}

function legacyEmployee(employeeId: number, email: string): Employee {
  return {
    employeeId, email, employeeNumber: `L-${employeeId}`, firstName: "Legacy", middleName: null, lastName: "User", jobTitle: null,
    department: null, supervisorId: null, location: null, address: { street: null, city: null, province: "AB", postalCode: null, country: "CA" },
    phones: { work: null, mobile: null }, status: "ACTIVE", startDate: null, terminationDate: null, externalRef: null, updatedAt: new Date().toISOString(),
  };
}

/** The reference mapping of a backend, as text (for tests that edit it). */
export function referenceMappingText(backend: Backend): string {
  return readFileSync(backend === "rest" ? REST_REFERENCE_MAPPING : REFERENCE_MAPPING, "utf8");
}
