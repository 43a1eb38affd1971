/** Wires the stages into an express app: health, then auth + SCIM routes under basePath. */
import { isUtf8 } from "node:buffer";
import express, { type Request } from "express";
import helmet from "helmet";
import type { AuthConfig, ScimConfig, ServerConfig } from "../config/config-schema.js";
import type { CompiledMapping } from "../mapping/compiled-mapping.js";
import type { AuditTrail } from "../ops/audit-trail.js";
import type { AdminConfig } from "../config/config-schema.js";
import { createUnknownValues, type UnknownValues } from "../ops/unknown-values.js";
import type { Logger } from "../ops/logger.js";
import type { BridgeMetrics } from "../ops/metrics.js";
import { ScimError } from "../scim/scim-error.js";
import type { UserStore } from "../store/user-store.js";
import { authThrottle } from "./auth-throttle.js";
import { bearerAuth, tokenCheck } from "./bearer-auth.js";
import { clientAllowList } from "./client-allowlist.js";
import { discoveryRoutes } from "./discovery-routes.js";
import { errorRenderer } from "./error-renderer.js";
import type { BackendProbe } from "../jobs/backend-probe.js";
import { healthRoutes } from "./health-routes.js";
import { requestLog } from "./request-log.js";
import { consoleSignIn, SIGN_IN, SIGN_OUT } from "./console-sign-in.js";
import { statusRoutes, type StatusSources } from "./status-page.js";
import { userRoutes } from "./user-routes.js";

/** `mapping`, `store` and `auth` are read per request, so they may be getters that follow a reload. */
export interface AppDeps {
  readonly server: ServerConfig;
  readonly auth: AuthConfig;
  readonly scim: ScimConfig;
  readonly mapping: CompiledMapping;
  readonly store: UserStore;
  readonly logger: Logger;
  readonly metrics: BridgeMetrics;
  readonly audit: AuditTrail;
  /** Where the lookup names BIS does not know are kept (the status page reads it); absent: the app keeps its own. */
  readonly unknownValues?: UnknownValues;
  /** The scheduled backend probe; /readyz answers from its last result while fresh. */
  readonly probe?: BackendProbe;
  /** Browser sign-in to /status (config `admin:`); absent: the bearer token only. */
  readonly admin?: AdminConfig;
  /** What GET /status shows; without it there is no status page. */
  readonly status?: StatusSources;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", deps.server.trustProxy);
  app.set("query parser", "simple");
  app.set("etag", false); // a SHA-1 of every body, for ETags the bridge does not support (ServiceProviderConfig etag: false)

  const baseUrl = (req: Request) =>
    (deps.server.publicUrl ?? `${req.protocol}://${req.get("host")}${deps.server.basePath}`).replace(/\/$/, "");

  app.use(helmet());
  app.use(requestLog(deps.logger, deps.metrics, { recent: deps.status?.recent, health: deps.status?.health }));
  app.use(healthRoutes({ ping: () => deps.store.ping() }, deps.metrics, deps.probe));

  const scim = express.Router();
  // Every SCIM request shows on the status page, also one refused before it became an operation.
  scim.use((_req, res, next) => {
    res.locals.scimRequest = true;
    next();
  });
  scim.use(clientAllowList(deps.server.allowFrom));
  const tokenName = tokenCheck(() => deps.auth.tokens);
  // One count of failed tokens per address for SCIM and /status alike: a guesser refused on one is refused on both.
  const guessing = authThrottle(deps.server.failedAuthLimit);
  scim.use(bearerAuth(tokenName, guessing));
  scim.use(
    express.json({
      type: ["application/scim+json", "application/json", "application/*+json"],
      limit: deps.server.bodyLimit,
      // Strict UTF-8: the parser would quietly turn invalid bytes into U+FFFD and write them to BIS.
      verify: (_req, _res, body, encoding) => {
        if (/^utf-?8$/i.test(encoding) && !isUtf8(body)) throw ScimError.badRequest("invalidSyntax", "the request body is not valid UTF-8");
      },
    }),
  );
  scim.use(
    "/Users",
    userRoutes({
      // Getters, not copies: the mapping (and its store) may be reloaded while the app runs.
      get mapping() {
        return deps.mapping;
      },
      get store() {
        return deps.store;
      },
      scim: deps.scim,
      logger: deps.logger,
      metrics: deps.metrics,
      audit: deps.audit,
      unknownValues: deps.unknownValues ?? createUnknownValues(deps.logger, deps.metrics),
      baseUrl,
    }),
  );
  scim.use(discoveryRoutes(() => deps.mapping, (req) => ({ baseUrl: baseUrl(req), maxResults: deps.scim.maxPageSize })));
  scim.use((req) => {
    throw ScimError.notFound(`no SCIM endpoint ${req.method} ${req.path}; this bridge serves /Users, /Schemas, /ResourceTypes and /ServiceProviderConfig`);
  });
  app.use(deps.server.basePath, scim);
  if (deps.status) {
    const allowed = clientAllowList(deps.server.allowFrom);
    const bearer = bearerAuth(tokenName, guessing);
    if (deps.admin) {
      // A person signs in in a browser; scripts keep the bearer token.
      const signIn = consoleSignIn(deps.admin, { bearer, throttle: guessing, logger: deps.logger, publicUrl: deps.server.publicUrl });
      app.use([SIGN_IN, SIGN_OUT], allowed);
      app.use(signIn.routes);
      app.use(statusRoutes([allowed, signIn.session, signIn.guard], deps.status, signIn.csrfToken));
    } else {
      app.use(statusRoutes([allowed, bearer], deps.status));
    }
  }

  app.use((req) => {
    throw ScimError.notFound(`nothing at ${req.path}; SCIM is served under ${deps.server.basePath}`);
  });
  app.use(errorRenderer(deps.logger));
  return app;
}
