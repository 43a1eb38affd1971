/** Wires the stages into an express app: health, then auth + SCIM routes under basePath. */
import express, { type Request } from "express";
import type { AuthConfig, ScimConfig, ServerConfig } from "../config/config-schema.js";
import type { CompiledMapping } from "../mapping/compiled-mapping.js";
import type { Logger } from "../ops/logger.js";
import { ScimError } from "../scim/scim-error.js";
import type { UserStore } from "../store/user-store.js";
import { bearerAuth } from "./bearer-auth.js";
import { discoveryRoutes } from "./discovery-routes.js";
import { errorRenderer } from "./error-renderer.js";
import { healthRoutes } from "./health-routes.js";
import { requestLog } from "./request-log.js";
import { userRoutes } from "./user-routes.js";

export interface AppDeps {
  readonly server: ServerConfig;
  readonly auth: AuthConfig;
  readonly scim: ScimConfig;
  readonly mapping: CompiledMapping;
  readonly store: UserStore;
  readonly logger: Logger;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", deps.server.trustProxy);
  app.set("query parser", "simple");

  const baseUrl = (req: Request) =>
    (deps.server.publicUrl ?? `${req.protocol}://${req.get("host")}${deps.server.basePath}`).replace(/\/$/, "");

  app.use(requestLog(deps.logger));
  app.use(healthRoutes(deps.store));

  const scim = express.Router();
  scim.use(bearerAuth(deps.auth.tokens));
  scim.use(express.json({ type: ["application/scim+json", "application/json", "application/*+json"], limit: deps.server.bodyLimit }));
  scim.use("/Users", userRoutes({ ...deps, baseUrl }));
  scim.use(discoveryRoutes(deps.mapping, (req) => ({ baseUrl: baseUrl(req), maxResults: deps.scim.maxPageSize })));
  scim.use((req) => {
    throw ScimError.notFound(`no SCIM endpoint ${req.method} ${req.path}; this bridge serves /Users, /Schemas, /ResourceTypes and /ServiceProviderConfig`);
  });
  app.use(deps.server.basePath, scim);

  app.use((req) => {
    throw ScimError.notFound(`nothing at ${req.path}; SCIM is served under ${deps.server.basePath}`);
  });
  app.use(errorRenderer(deps.logger));
  return app;
}
