/**
 * Renders every failure as a SCIM error body. Client errors are logged at debug; anything
 * unexpected becomes a 500 carrying only an error id, never the exception's text.
 */
import { randomUUID } from "node:crypto";
import type { ErrorRequestHandler, Request, Response } from "express";
import { ScimError } from "../scim/scim-error.js";
import { URN } from "../scim/schema-urns.js";
import type { Logger } from "../ops/logger.js";
import { sendScim } from "./scim-response.js";

export function renderScimError(res: Response, error: ScimError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  sendScim(res, error.status, {
    schemas: [URN.error],
    status: String(error.status),
    ...(error.scimType && { scimType: error.scimType }),
    detail: error.detail,
  });
}

/** body-parser's failures (bad JSON, too large) as SCIM errors. */
function fromBodyParser(error: { type?: string; status?: number }): ScimError | undefined {
  if (error.type === "entity.parse.failed") return ScimError.badRequest("invalidSyntax", "the request body is not valid JSON");
  if (error.type === "entity.too.large") return new ScimError(413, undefined, "the request body is too large");
  if (error.type === "encoding.unsupported" || error.type === "charset.unsupported") {
    return ScimError.badRequest("invalidSyntax", "the request body must be UTF-8 JSON");
  }
  return undefined;
}

export function errorRenderer(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next) => {
    const scimError = error instanceof ScimError ? error : fromBodyParser(error as { type?: string });
    if (scimError) {
      const level = scimError.status >= 500 ? "warn" : "debug";
      logger.log(level, "scim error", { requestId: res.locals.requestId, status: scimError.status, detail: scimError.detail });
      renderScimError(res, scimError);
      return;
    }
    const errorId = randomUUID();
    logger.error("unexpected error", {
      requestId: res.locals.requestId,
      errorId,
      method: req.method,
      path: req.path,
      error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
    });
    renderScimError(res, new ScimError(500, undefined, `internal error ${errorId}; the bridge's log has the details`));
  };
}
