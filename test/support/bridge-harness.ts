/**
 * Starts a real bridge on a real socket (port 0) against a given store config, with the
 * reference mapping (or another) and a known token, and gives tests a small SCIM client.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import winston from "winston";
import { afterAll, beforeAll } from "vitest";
import { startBridge, type RunningBridge } from "../../src/bridge.js";
import { configSchema } from "../../src/config/config-schema.js";
import { createLogger } from "../../src/ops/logger.js";

export const TEST_TOKEN = "test-token-0123456789abcdef";
import { createTestDatabase, type TestDatabase, type TestEngine } from "./databases.js";
import { REFERENCE_MAPPING } from "./paths.js";

export { REFERENCE_MAPPING, ROOT } from "./paths.js";

/** Keeps log entries in memory so tests can assert what the bridge logged (and did not). */
export class LogCapture {
  readonly entries: Record<string, unknown>[] = [];
  readonly transport = new winston.transports.Stream({
    stream: new Writable({
      write: (chunk, _encoding, done) => {
        this.entries.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  });
  text(): string {
    return this.entries.map((e) => JSON.stringify(e)).join("\n");
  }
}

export interface ScimResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

export interface TestBridge extends RunningBridge {
  readonly logs: LogCapture;
  /** The folder the audit trail is written to. */
  readonly auditDir: string;
  request(method: string, pathAndQuery: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>;
}

export interface TestBridgeOptions {
  readonly store: unknown;
  readonly mapping?: string;
  readonly tokens?: unknown;
  /** Extra server settings (tls, allowFrom, failedAuthLimit, ...). */
  readonly server?: Record<string, unknown>;
  readonly dryRun?: boolean;
  /** The `jobs:` config section (defaults otherwise). */
  readonly jobs?: Record<string, unknown>;
  /** Extra log settings (maskFields). */
  readonly log?: Record<string, unknown>;
  /** The `health:` config section (defaults otherwise). */
  readonly health?: Record<string, unknown>;
  /** The `notify:` config section (none otherwise). */
  readonly notify?: Record<string, unknown>;
  /** The `admin:` config section (browser sign-in to /status; none otherwise). */
  readonly admin?: Record<string, unknown>;
}

export async function startTestBridge(options: TestBridgeOptions): Promise<TestBridge> {
  const auditDir = mkdtempSync(path.join(tmpdir(), "audit-"));
  const config = configSchema.parse({
    server: { port: 0, host: "127.0.0.1", ...options.server },
    auth: { tokens: options.tokens ?? TEST_TOKEN },
    log: { level: "debug", ...options.log },
    audit: { file: path.join(auditDir, "audit-%DATE%.log") },
    mapping: options.mapping ?? REFERENCE_MAPPING,
    store: options.store,
    dryRun: options.dryRun,
    jobs: options.jobs,
    health: options.health,
    notify: options.notify,
    admin: options.admin,
  });
  const logs = new LogCapture();
  const bridge = await startBridge(config, { logger: createLogger({ level: "debug", format: "json", maskFields: config.log.maskFields, transports: [logs.transport] }) });
  return Object.assign(Object.create(null), bridge, {
    close: () => bridge.close(),
    logs,
    auditDir,
    async request(method: string, pathAndQuery: string, body?: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(`${bridge.scimUrl}${pathAndQuery}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_TOKEN}`,
          ...(body !== undefined && { "content-type": "application/scim+json" }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    },
  });
}

/** A create body as Entra sends it for BIS (entra-scim-behaviour.md §7), with overrides. */
export function entraUser(email: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    externalId: `ext-${email}`,
    userName: email,
    active: true,
    name: { givenName: "Jane", familyName: "Doe", middleName: "Q", formatted: "Jane Doe" },
    emails: [{ primary: true, type: "work", value: email }],
    addresses: [{ type: "work", region: "AB", country: "CA", locality: "Calgary", streetAddress: "1 Main St", postalCode: "T2P 1J9" }],
    phoneNumbers: [{ type: "work", value: "+1 403 555 0100" }],
    title: "Operator",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: "E-1042", department: "Operations" },
    "urn:ietf:params:scim:schemas:extension:BIS:2.0:User": { startdate: "2024-05-01T00:00:00Z" },
    meta: { resourceType: "User" },
    roles: [],
    ...overrides,
  };
}

/**
 * A fresh test database on `engine` and a bridge on it for the enclosing describe block:
 * `const t = bridgeOn("sqlite", { seed: true })`, then `t.bridge` and `t.db` inside tests.
 */
export function bridgeOn(
  engine: TestEngine,
  options: { seed?: boolean; mapping?: string; tokens?: string; server?: Record<string, unknown> } = {},
): { db: TestDatabase; bridge: TestBridge } {
  const context = {} as { db: TestDatabase; bridge: TestBridge };
  beforeAll(async () => {
    context.db = await createTestDatabase(engine, { seed: options.seed ?? true });
    context.bridge = await startTestBridge({ store: context.db.config, mapping: options.mapping, tokens: options.tokens, server: options.server });
  });
  afterAll(async () => {
    await context.bridge?.close();
    await context.db?.drop();
  });
  return context;
}
