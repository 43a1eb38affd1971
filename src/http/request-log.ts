/** A request id per request, echoed in X-Request-Id, and one summary log line when it ends. */
import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../ops/logger.js";

export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // The path only: query strings carry filter values (e-mails), which are personal data.
    const path = req.originalUrl.split("?")[0];
    const offered = req.get("client-request-id") ?? req.get("x-request-id");
    const requestId = offered && /^[\w.:-]{1,100}$/.test(offered) ? offered : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader("X-Request-Id", requestId);
    res.on("finish", () => {
      logger.info("request", {
        requestId,
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        scimOperation: res.locals.scimOperation,
        bisId: res.locals.bisId,
      });
    });
    next();
  };
}
