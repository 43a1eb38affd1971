/**
 * Builds and runs the bridge from a loaded config: logger, mapping, store, HTTP server.
 * main.ts calls it for `npm start`; tests call it to run real bridges on real sockets.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { readFileSync } from "node:fs";
import type { BridgeConfig, ServerConfig } from "./config/config-schema.js";
import { createApp } from "./http/app.js";
import type { NamedToken } from "./http/bearer-auth.js";
import { LiveMapping } from "./live-mapping.js";
import type { CompiledMapping } from "./mapping/compiled-mapping.js";
import { createAuditTrail } from "./ops/audit-trail.js";
import { createLogger, type Logger } from "./ops/logger.js";
import { createBackendProbe, type BackendProbe } from "./jobs/backend-probe.js";
import { createReconciliation, type Reconciliation } from "./jobs/reconciliation.js";
import { createScheduler, type Scheduler } from "./jobs/scheduler.js";
import { configuredJobs } from "./jobs/schedules.js";
import { createMetrics, type BridgeMetrics } from "./ops/metrics.js";
import { withoutText } from "./ops/pii-mask.js";
import { createRecentOperations } from "./ops/recent-operations.js";
import { createUnknownValues } from "./ops/unknown-values.js";
import { createProvisioningHealth } from "./ops/provisioning-health.js";
import { createNotifier } from "./ops/notifications.js";
import { ensureDemoDatabase } from "./store/sql/demo-database.js";
import { openUserStore } from "./store/open-store.js";
import { RestUserStore } from "./store/rest/rest-user-store.js";
import type { SqlUserStore } from "./store/sql/sql-user-store.js";
import type { UserStore } from "./store/user-store.js";

export interface RunningBridge {
  /** The SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2 (Entra's Tenant URL). */
  readonly scimUrl: string;
  readonly port: number;
  /** The tokens in force (including a generated demo token); a reload changes them. */
  readonly tokens: readonly string[];
  /** Reads the bearer tokens again through StartOptions.readTokens (as SIGHUP does); false when refused. */
  reloadTokens(): boolean;
  readonly mapping: CompiledMapping;
  readonly store: UserStore;
  /** Loads the mapping file again (as SIGHUP does); false when it is refused. */
  reloadMapping(): boolean;
  readonly logger: Logger;
  readonly metrics: BridgeMetrics;
  /** The scheduled jobs (config `jobs:`), started with the server and stopped by close(). */
  readonly scheduler: Scheduler;
  readonly probe: BackendProbe;
  readonly reconciliation: Reconciliation;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Replaces the logger built from config.log (tests capture logs with it). */
  readonly logger?: Logger;
  /** Called once with a generated demo token, so it can be shown to the person starting the demo. */
  readonly onGeneratedToken?: (token: string) => void;
  /** Reads the bearer tokens anew (config file, SCIM_BEARER_TOKEN_FILE), for reloadTokens(). */
  readonly readTokens?: () => readonly NamedToken[];
}

export async function startBridge(config: BridgeConfig, options: StartOptions = {}): Promise<RunningBridge> {
  const logger = options.logger ?? createLogger(config.log);
  let tokens = config.auth.tokens;
  if (tokens.length === 0) {
    if (!config.demo) throw new Error("auth.tokens: no bearer token configured; set SCIM_BEARER_TOKEN");
    tokens = [{ name: "demo", token: randomBytes(24).toString("base64url") }];
    options.onGeneratedToken?.(tokens[0].token);
  }
  if (config.demo && config.store.engine === "sqlite") ensureDemoDatabase(config.store.file);
  const live = new LiveMapping(
    config.mapping,
    (mapping) => {
      const store = openUserStore(config.store, mapping.model, mapping.api, { dryRun: config.dryRun });
      if (config.dryRun) logDryRunWrites(store, logger);
      return store;
    },
    logger,
  );
  if (config.mappingReload) live.watch();
  const metrics = createMetrics();
  metrics.poolSource = () => live.store.poolStats?.();
  const probe = createBackendProbe(() => live.store, metrics);
  // A dry run writes nothing to BIS, so there is nothing to audit.
  const audit = createAuditTrail({
    ...config.audit,
    enabled: config.audit.enabled && !config.dryRun,
    maskFields: config.log.maskFields,
  });
  const reconciliation = createReconciliation({ store: () => live.store, mapping: () => live.mapping, logger, metrics, auditFile: config.audit.file });
  const unknownValues = createUnknownValues(logger, metrics);
  const health = createProvisioningHealth(config.health);
  metrics.healthSource = () => health.report(new Date(), probe.last?.up);
  const notifier = createNotifier(config.notify, { health: (now) => health.report(now, probe.last?.up), backendUp: () => probe.last?.up, unknownValues: () => unknownValues.list() }, logger);
  const notifications = { notifier, check: config.notify.check, digest: config.notify.digest };
  const jobSources = { probe, reconciliation, store: () => live.store, mapping: () => live.mapping, audit, logger, notifications };
  const jobs = configuredJobs(config.jobs, jobSources);
  const scheduler = createScheduler(jobs, {
    store: () => live.store,
    metrics,
    logger,
    jitterSeconds: config.jobs.jitterSeconds,
  });
  const reloadTokens = (): boolean => {
    let next: readonly NamedToken[];
    try {
      if (!options.readTokens) throw new Error("this bridge was started without a source to read tokens from");
      next = options.readTokens();
      if (next.length === 0) throw new Error("no bearer token configured; set SCIM_BEARER_TOKEN");
    } catch (error) {
      logger.error("bearer token reload refused; the previous tokens stay in force", { error: (error as Error).message });
      return false;
    }
    tokens = [...next];
    logger.info("bearer tokens reloaded", { names: next.map((t) => t.name) });
    return true;
  };
  const app = createApp({
    server: config.server,
    get auth() {
      return { tokens };
    },
    scim: config.scim,
    get mapping() {
      return live.mapping;
    },
    get store() {
      return live.store;
    },
    logger,
    metrics,
    audit,
    unknownValues,
    admin: config.admin,
    probe,
    status: { probe, recent: createRecentOperations(), jobs: () => jobs, jobRuns: () => scheduler.history, reconciliation, unknownValues, health, maskFields: config.log.maskFields },
  });

  const server = createServer(config.server.tls, app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.server.host === "0.0.0.0" || config.server.host === "::" ? "localhost" : config.server.host;
  const scimUrl = `${config.server.tls ? "https" : "http"}://${host}:${port}${config.server.basePath}`;
  logger.info("bridge listening", { scimUrl, engine: config.store.engine, mapping: config.mapping });
  scheduler.start();


  return {
    scimUrl,
    port,
    get tokens() {
      return tokens.map((t) => t.token);
    },
    reloadTokens,
    get mapping() {
      return live.mapping;
    },
    get store() {
      return live.store;
    },
    reloadMapping: () => live.reload(),
    logger,
    metrics,
    scheduler,
    probe,
    reconciliation,
    async close() {
      // Stop the jobs, finish in-flight requests, then release the database pool.
      await scheduler.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([live.close(), audit.close()]);
    },
  };
}

/** HTTP, or HTTPS when TLS files are configured: TLS 1.2 at least, as Entra requires. */
function createServer(tls: ServerConfig["tls"], app: RequestListener): Server {
  if (!tls) return createHttpServer(app);
  const read = (key: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`server.tls.${key}: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
    }
  };
  const material =
    "pfxFile" in tls
      ? { pfx: read("pfxFile", tls.pfxFile) }
      : { cert: read("certFile", tls.certFile), key: read("keyFile", tls.keyFile), ...(tls.caFile && { ca: read("caFile", tls.caFile) }) };
  return createHttpsServer({ ...material, passphrase: tls.passphrase, minVersion: "TLSv1.2" }, app);
}

/** Dry run: every statement (or API call) that would change BIS is logged instead, with its parameters. */
function logDryRunWrites(store: UserStore, logger: Logger): void {
  if (store instanceof RestUserStore) {
    logger.warn("dry run: the bridge answers Entra, but no write is sent to BIS's API");
    store.onCall((call) => {
      // The body's shape, not its values: a rehearsal log must not become a copy of personal data.
      if (!call.sent) logger.info("dry run: not sent", { method: call.method, path: call.path.split("?")[0], body: withoutText(call.body) });
    });
    return;
  }
  logger.warn("dry run: the bridge answers Entra, but every write to BIS is rolled back");
  (store as SqlUserStore).db.on("query", (query: { sql: string; bindings?: unknown[] }) => {
    // SQLite's "UPDATE ... WHERE 0" only takes the write lock; it changes nothing.
    // The statement and its parameters' kinds, not their values (preview shows values on demand).
    if (/^\s*(insert|update|delete)\b/i.test(query.sql) && !/\bwhere 0$/i.test(query.sql)) logger.info("dry run: not written", { sql: query.sql, bindings: withoutText(query.bindings ?? []) });
  });
}
