/**
 * A request id per request, echoed in X-Request-Id, and when it ends one summary log line and
 * its count and latency in the metrics.
 */
import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../ops/logger.js";
import type { BridgeMetrics } from "../ops/metrics.js";
import type { ProvisioningHealth } from "../ops/provisioning-health.js";
import type { RecentOperations } from "../ops/recent-operations.js";

/** The status page's operation for a SCIM request refused before it became one. */
export const REFUSED_ON_ARRIVAL = "refused on arrival";

/**
 * `recent` (the status page's list) receives every SCIM request, without personal data; `health`
 * every SCIM request's outcome, with the user it named and the rule it broke (kept in memory).
 */
export function requestLog(logger: Logger, metrics: BridgeMetrics, sinks: { readonly recent?: RecentOperations; readonly health?: ProvisioningHealth } = {}): RequestHandler {
  const { recent, health } = sinks;
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // The path only: query strings carry filter values (e-mails), which are personal data.
    const path = req.originalUrl.split("?")[0];
    const offered = req.get("client-request-id") ?? req.get("x-request-id");
    const requestId = offered && /^[\w.:-]{1,100}$/.test(offered) ? offered : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader("X-Request-Id", requestId);
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Operations, not paths, label the metrics: ids in paths would make unbounded series.
      const operation = res.locals.scimOperation ?? "other";
      metrics.requests.inc({ operation, status: String(res.statusCode) });
      metrics.latency.observe({ operation }, seconds);
      logger.info("request", {
        requestId,
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e6) / 1000,
        scimOperation: res.locals.scimOperation,
        bisId: res.locals.bisId,
      });
      if (res.locals.scimOperation || res.locals.scimRequest) {
        health?.record({
          at: new Date(),
          operation: res.locals.scimOperation,
          status: res.statusCode,
          probe: res.locals.entraProbe === true,
          userName: typeof res.locals.userName === "string" ? res.locals.userName : undefined,
          bisId: res.locals.bisId ?? (req.method !== "POST" ? idInPath(path) : undefined),
          ...res.locals.scimError,
        });
        recent?.add({
          at: new Date(),
          method: req.method,
          // A 401, a malformed body or filter is refused before the bridge knows the operation.
          operation: res.locals.scimOperation ?? REFUSED_ON_ARRIVAL,
          status: res.statusCode,
          bisId: res.locals.bisId,
          durationMs: Math.round(seconds * 1000),
          requestId,
        });
      }
    });
    next();
  };
}

/** The id of /Users/{id}: the request log runs before the router has parsed it. */
function idInPath(path: string): string | undefined {
  const match = path.match(/\/Users\/([^/]+)$/);
  return match ? decodeURIComponentSafe(match[1]!) : undefined;
}

function decodeURIComponentSafe(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
