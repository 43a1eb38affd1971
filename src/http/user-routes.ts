/**
 * /Users: each handler reads as the request flows — SCIM parse/validate -> mapping -> store ->
 * mapping -> SCIM JSON. PUT and PATCH share one update path inside the store's transaction.
 */
import { Router, type Request, type Response } from "express";
import type { CompiledMapping } from "../mapping/compiled-mapping.js";
import { translateStoreError } from "../mapping/error-translation.js";
import { mapFilter } from "../mapping/filter-mapper.js";
import { emailIdentity } from "../identity/email-identity.js";
import { deactivated, describeChanges, lookupNamesSent, refuseSelfReference, toBis, toScim } from "../mapping/user-mapper.js";
import type { AuditEntry, AuditTrail } from "../ops/audit-trail.js";
import type { Logger } from "../ops/logger.js";
import type { BridgeMetrics } from "../ops/metrics.js";
import type { UnknownValues } from "../ops/unknown-values.js";
import { listResponse } from "../scim/discovery-documents.js";
import { isEntraProbe } from "../scim/filter-ast.js";
import { parseAttributeNames, parseListRequest } from "../scim/list-request.js";
import { applyPatch } from "../scim/patch-apply.js";
import { parsePatchRequest } from "../scim/patch-request.js";
import { projectResource } from "../scim/resource-projection.js";
import { ScimError } from "../scim/scim-error.js";
import { parseUserResource, type ScimUserJson } from "../scim/user-resource.js";
import type { BisUser, BisUserFields } from "../store/bis-user.js";
import { BackendUnavailableError } from "../store/store-errors.js";
import type { DeleteMode, UserStore } from "../store/user-store.js";
import type { ScimConfig } from "../config/config-schema.js";
import { sendScim } from "./scim-response.js";

export interface UserRoutesDeps {
  readonly mapping: CompiledMapping;
  readonly store: UserStore;
  readonly scim: ScimConfig;
  readonly logger: Logger;
  readonly metrics: BridgeMetrics;
  readonly audit: AuditTrail;
  readonly unknownValues: UnknownValues;
  readonly baseUrl: (req: Request) => string;
}

export function userRoutes(deps: UserRoutesDeps): Router {
  // deps.mapping and deps.store are read per request, never captured: a reloaded mapping applies to the next request.
  const { logger } = deps;
  const router = Router();

  /** Runs a store call, turning its typed failures into SCIM errors. */
  async function call<T>(work: () => Promise<T>, requestId: string): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof BackendUnavailableError) {
        logger.warn("BIS unavailable", { requestId, reason: error.message });
        deps.metrics.backendErrors.inc({ reason: "unavailable" });
      }
      throw translateStoreError(deps.mapping, error);
    }
  }

  function render(req: Request, user: BisUser): ScimUserJson {
    return toScim(deps.mapping, user, { baseUrl: deps.baseUrl(req) });
  }

  function sendUser(req: Request, res: Response, status: number, user: BisUser): void {
    const resource = render(req, user);
    res.locals.bisId = user.id;
    res.setHeader("Location", (resource.meta as { location: string }).location);
    const projected = projectResource(
      resource,
      parseAttributeNames(req.query.attributes as string | undefined),
      parseAttributeNames(req.query.excludedAttributes as string | undefined),
    );
    sendScim(res, status, projected);
  }

  const notFound = (id: string) => ScimError.notFound(`User ${id} not found`);

  router.get("/", async (req, res) => {
    const list = parseListRequest(req.query as Record<string, unknown>, deps.scim);
    const where = list.filter ? mapFilter(deps.mapping, list.filter) : undefined;
    const page = await call(() => deps.store.find({ where, offset: list.startIndex - 1, limit: list.count }), res.locals.requestId);
    warnOfDuplicates(logger, page.users, deps.mapping.model.emailColumn, res.locals.requestId);
    const resources = page.users.map((user) => projectResource(render(req, user), list.attributes, list.excludedAttributes));
    res.locals.scimOperation = list.filter ? "query" : "list";
    res.locals.entraProbe = isEntraProbe(list.filter) && page.users.length === 0;
    sendScim(res, 200, listResponse(resources, page.total, list.startIndex));
  });

  router.get("/:id", async (req, res) => {
    res.locals.scimOperation = "get";
    const user = await call(() => deps.store.get(req.params.id), res.locals.requestId);
    if (!user) throw notFound(req.params.id);
    sendUser(req, res, 200, user);
  });

  /**
   * A write handler whose outcome goes to the audit trail: the handler returns what changed;
   * a failure is recorded with its status before it is rendered.
   */
  function audited(operation: AuditEntry["operation"], handler: (req: Request, res: Response) => Promise<Omit<AuditEntry, "who" | "operation" | "result" | "status" | "requestId">>) {
    return async (req: Request, res: Response) => {
      res.locals.scimOperation = operation;
      const base = { who: res.locals.tokenName as string, requestId: res.locals.requestId as string, bisId: req.params.id as string | undefined };
      try {
        const outcome = await handler(req, res);
        deps.audit.record({ ...base, operation: res.locals.scimOperation, ...outcome, result: "success", status: res.statusCode });
      } catch (error) {
        const failure = error instanceof ScimError ? error : undefined;
        deps.audit.record({ ...base, operation, result: "failure", status: failure?.status ?? 500, detail: failure?.detail });
        throw error;
      }
    };
  }

  router.post(
    "/",
    audited("create", async (req, res) => {
      nameTheUser(res, req.body);
      const fields = toBis(deps.mapping, parseUserResource(req.body));
      const result = await call(() => deps.store.create(fields, deps.mapping.duplicates, deps.mapping.matchOn), res.locals.requestId);
      if (result.adopted) res.locals.scimOperation = "adopt";
      deps.unknownValues.record(lookupNamesSent(deps.mapping, fields, result.user), result.user.id, res.locals.requestId);
      sendUser(req, res, 201, result.user);
      // An adopted user's earlier values are not known here; its audit entry lists the values written.
      return { bisId: result.user.id, changes: describeChanges(deps.mapping, undefined, result.user) };
    }),
  );

  /**
   * PUT and PATCH: one update path. `prepare` validates the request before any lock is taken and
   * returns how to compute the new state from the current one, under the store's lock.
   */
  function replaceOrPatch(operation: "replace" | "patch", prepare: (req: Request) => (current: BisUser) => BisUserFields) {
    return audited(operation, async (req, res) => {
      const next = prepare(req);
      let before: BisUser | undefined;
      let written: BisUserFields | undefined;
      const after = await call(
        () =>
          deps.store.update(req.params.id as string, (current) => {
            before = current;
            res.locals.userName ??= current.fields[deps.mapping.model.emailColumn] ?? undefined;
            const fields = next(current);
            refuseSelfReference(deps.mapping, current.id, fields);
            return (written = fields);
          }),
        res.locals.requestId,
      );
      if (!after) throw notFound(req.params.id as string);
      deps.unknownValues.record(lookupNamesSent(deps.mapping, written!, after), after.id, res.locals.requestId);
      sendUser(req, res, 200, after);
      return { changes: describeChanges(deps.mapping, before, after) };
    });
  }

  router.put(
    "/:id",
    replaceOrPatch("replace", (req) => {
      nameTheUser(req.res!, req.body);
      const fields = toBis(deps.mapping, parseUserResource(req.body));
      return () => fields;
    }),
  );

  router.patch(
    "/:id",
    replaceOrPatch("patch", (req) => {
      const patch = parsePatchRequest(req.body);
      return (current) => toBis(deps.mapping, parseUserResource(applyPatch(render(req, current), patch).resource));
    }),
  );

  router.delete(
    "/:id",
    audited("delete", async (req, res) => {
      res.locals.bisId = req.params.id;
      const id = req.params.id as string;
      if (deps.mapping.deleteMode === "deactivate") {
        let before: BisUser | undefined;
        const today = new Date().toISOString().slice(0, 10);
        const after = await call(() => deps.store.update(id, (current) => deactivated(deps.mapping, (before = current), today)), res.locals.requestId);
        if (!after) throw notFound(id);
        res.status(204).end();
        return { changes: describeChanges(deps.mapping, before, after) };
      }
      const deleted = await call(() => deps.store.delete(id, deps.mapping.deleteMode as DeleteMode), res.locals.requestId);
      if (!deleted) throw notFound(id);
      res.status(204).end();
      return { changes: [{ attribute: "(user)", old: "present", new: deps.mapping.deleteMode === "soft" ? "deleted (flag)" : "removed" }] };
    }),
  );

  return router;
}

/** The userName a request's body names, for the health record of its outcome (the status page's failing users). */
function nameTheUser(res: Response, body: unknown): void {
  const userName = (body as { userName?: unknown } | undefined)?.userName;
  if (typeof userName === "string") res.locals.userName = userName;
}

/** BIS has no unique e-mail, so legacy data may hold one mailbox several times: answer them all, and say so. */
function warnOfDuplicates(logger: Logger, users: readonly BisUser[], emailColumn: string, requestId: string): void {
  const seen = new Map<string, string[]>();
  for (const user of users) {
    const email = emailIdentity(String(user.fields[emailColumn] ?? ""));
    seen.set(email, [...(seen.get(email) ?? []), user.id]);
  }
  for (const ids of seen.values()) {
    if (ids.length > 1) logger.warn("BIS holds several users with one e-mail", { requestId, bisIds: ids });
  }
}
