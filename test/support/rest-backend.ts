/**
 * A BIS REST API on loopback (bis-rest-server.ts) and a bridge on it through the REST store, for
 * the enclosing describe block: the same harness the SQL suites use, so the same SCIM tests run.
 */
import { afterAll, beforeAll } from "vitest";
import { BisRestServer, type BisRestOptions } from "./bis-rest-server.js";
import { startTestBridge, type TestBridge } from "./bridge-harness.js";
import { REST_REFERENCE_MAPPING } from "./paths.js";

export const API_KEY = "bis-api-key-0123456789";
export const CLIENT_SECRET = "bis-client-secret-0123456789";

/** The store config for a running BIS REST server, as a config file would give it. */
export function restStoreConfig(server: BisRestServer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const auth =
    server.options.auth.kind === "apiKey"
      ? { kind: "apiKey", key: server.options.auth.key }
      : { kind: "oauth2", tokenUrl: "/oauth/token", clientId: server.options.auth.clientId, clientSecret: server.options.auth.clientSecret };
  return { engine: "rest", baseUrl: server.url, auth, ...overrides };
}

export interface RestContext {
  server: BisRestServer;
  bridge: TestBridge;
}

export function bridgeOnRestApi(
  options: { server?: Partial<BisRestOptions>; store?: Record<string, unknown>; mapping?: string } = {},
): RestContext {
  const context = {} as RestContext;
  beforeAll(async () => {
    context.server = await new BisRestServer({ auth: { kind: "apiKey", key: API_KEY }, ...options.server }).start();
    context.bridge = await startTestBridge({ store: restStoreConfig(context.server, options.store), mapping: options.mapping ?? REST_REFERENCE_MAPPING });
  });
  afterAll(async () => {
    await context.bridge?.close();
    await context.server?.stop();
  });
  return context;
}
