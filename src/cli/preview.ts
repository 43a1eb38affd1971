/**
 * `preview`: what one SCIM request would do to BIS, without doing it. The request runs through
 * the real bridge (HTTP, validation, mapping, store) on a store whose writes are rolled back at
 * their end; every statement it sent, with its parameters, is reported in order.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { z } from "zod";
import winston from "winston";
import type { BridgeConfig } from "../config/config-schema.js";
import { createApp } from "../http/app.js";
import type { CompiledMapping } from "../mapping/compiled-mapping.js";
import { createAuditTrail } from "../ops/audit-trail.js";
import { createMetrics } from "../ops/metrics.js";
import { ensureDemoDatabase } from "../store/sql/demo-database.js";
import { requireApiMapping } from "../store/open-store.js";
import { createRestUserStore, type ApiCallRecord } from "../store/rest/rest-user-store.js";
import { createSqlUserStore } from "../store/sql/sql-user-store.js";
import type { UserStore } from "../store/user-store.js";

export const previewRequestSchema = z.strictObject({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]),
  /** Relative to the SCIM base URL, e.g. /Users or /Users/42?attributes=id. */
  path: z.string().startsWith("/"),
  body: z.unknown().optional(),
});
export type PreviewRequest = z.infer<typeof previewRequestSchema>;

export interface PreviewResult {
  readonly request: PreviewRequest;
  readonly status: number;
  readonly response: unknown;
  readonly statements: readonly { readonly sql: string; readonly bindings: readonly unknown[] }[];
  /** With store.engine rest: the calls to BIS's API instead, reads made and writes not sent. */
  readonly calls?: readonly ApiCallRecord[];
  /** What the bridge logged at warning or error level (a 500's cause, a refused lookup, ...). */
  readonly log: readonly Record<string, unknown>[];
}

export async function preview(config: BridgeConfig, mapping: CompiledMapping, request: PreviewRequest): Promise<PreviewResult> {
  if (config.demo && config.store.engine === "sqlite") ensureDemoDatabase(config.store.file);
  const statements: { sql: string; bindings: unknown[] }[] = [];
  const calls: ApiCallRecord[] = [];
  let store: UserStore;
  if (config.store.engine === "rest") {
    const rest = createRestUserStore(config.store, mapping.model, requireApiMapping(mapping), { dryRun: true });
    rest.onCall((call) => calls.push(call));
    store = rest;
  } else {
    const sql = createSqlUserStore(config.store, mapping.model, { dryRun: true });
    sql.db.on("query", (query: { sql: string; bindings?: unknown[] }) => statements.push({ sql: query.sql, bindings: query.bindings ?? [] }));
    store = sql;
  }
  const token = randomBytes(24).toString("base64url");
  // The bridge's warnings and errors, shown with the result: a 500 says why right there.
  const log: Record<string, unknown>[] = [];
  const logger = winston.createLogger({
    level: "warn",
    transports: [new winston.transports.Stream({ stream: new Writable({ objectMode: true, write: (entry, _encoding, done) => done(void log.push(entry as Record<string, unknown>)) }) })],
  });
  // meta.location as the bridge itself would answer it, not the preview's own loopback port.
  const publicUrl = config.server.publicUrl ?? `http://${config.server.host === "0.0.0.0" ? "localhost" : config.server.host}:${config.server.port}${config.server.basePath}`;
  const app = createApp({
    server: { ...config.server, allowFrom: [], publicUrl },
    auth: { tokens: [{ name: "preview", token }] },
    scim: config.scim,
    mapping,
    store,
    logger,
    metrics: createMetrics(),
    audit: createAuditTrail({ ...config.audit, enabled: false }),
  });
  const server = app.listen(0, "127.0.0.1");
  try {
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${config.server.basePath}${request.path}`, {
      method: request.method,
      headers: { authorization: `Bearer ${token}`, ...(request.body !== undefined && { "content-type": "application/scim+json" }) },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    const text = await response.text();
    return { request, status: response.status, response: text ? JSON.parse(text) : undefined, statements, ...(config.store.engine === "rest" && { calls }), log };
  } finally {
    server.close();
    await store.close();
  }
}

export function formatPreview(result: PreviewResult): string {
  const lines = [`${result.request.method} ${result.request.path} -> ${result.status}`, ""];
  if (result.calls) {
    lines.push("Calls to BIS's API, in order (reads made, writes not sent):");
    result.calls.forEach((c, i) => {
      const query = c.params ? `?${new URLSearchParams(Object.entries(c.params).map(([k, v]) => [k, String(v)]))}` : "";
      lines.push(`${String(i + 1).padStart(3)}. ${c.method} ${c.path}${query}${c.sent ? "" : "   (not sent)"}`);
      if (c.body !== undefined) lines.push(`     ${JSON.stringify(c.body)}`);
    });
  } else {
    lines.push("Statements, in order (all rolled back):");
    result.statements.forEach((s, i) => lines.push(`${String(i + 1).padStart(3)}. ${s.sql}`, `     ${JSON.stringify(s.bindings)}`));
  }
  if (result.log.length > 0) {
    lines.push("", "The bridge logged:");
    for (const { level, message, timestamp: _timestamp, ...details } of result.log) lines.push(`  ${String(level).toUpperCase()} ${String(message)} ${JSON.stringify(details)}`);
  }
  lines.push("", "Response:", JSON.stringify(result.response, null, 2), "");
  return lines.join("\n");
}
