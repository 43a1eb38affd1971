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
  // For the request log's health record: which rule the request broke.
  res.locals.scimError = { scimType: error.scimType, detail: error.detail };
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  sendScim(res, error.status, {
    schemas: [URN.error],
    status: String(error.status),
    ...(error.scimType && { scimType: error.scimType }),
    detail: error.detail,
  });
}

interface BodyParserError {
  readonly type?: string;
  readonly status?: number;
  readonly statusCode?: number;
  readonly expose?: boolean;
  readonly code?: string;
  readonly limit?: number;
}

/**
 * body-parser's (and raw-body's and zlib's) failures to read a request body as precise SCIM
 * errors: anything else with a client status (4xx) is still the client's fault, never a 500.
 */
function fromBodyParser(error: BodyParserError, req: Request): ScimError | undefined {
  const status = error.status ?? error.statusCode;
  if (typeof status !== "number" || status < 400 || status > 499) return undefined;
  const encoding = req.get("content-encoding") ?? "identity";
  switch (error.type) {
    case "entity.parse.failed":
      return ScimError.badRequest("invalidSyntax", "the request body is not valid JSON");
    case "entity.too.large":
      return new ScimError(413, undefined, `the request body is too large${error.limit ? ` (the limit is ${error.limit} bytes)` : ""}`);
    case "encoding.unsupported":
      return new ScimError(415, undefined, `the Content-Encoding "${encoding}" is not supported; send the body uncompressed, or as gzip, deflate or br`);
    case "charset.unsupported":
      return new ScimError(415, undefined, "the request body's charset is not supported; send UTF-8 JSON");
    case "request.aborted":
      return ScimError.badRequest("invalidSyntax", "the request body was aborted before it was complete");
    case "request.size.invalid":
      return ScimError.badRequest("invalidSyntax", "the request body's length does not match its Content-Length");
  }
  if (typeof error.code === "string" && error.code.startsWith("Z_")) {
    return ScimError.badRequest("invalidSyntax", `the request body cannot be decompressed as its Content-Encoding "${encoding}" says`);
  }
  // Other errors http-errors marked safe to show (expose) are a client's too; anything else is a 500.
  if (error.expose !== true) return undefined;
  return status === 400
    ? ScimError.badRequest("invalidSyntax", "the request body cannot be read")
    : new ScimError(status, undefined, "the request body cannot be read");
}

/** express's router fails with a URIError (status 400) on a path such as /Users/% that does not decode. */
function fromPathDecoding(error: unknown): ScimError | undefined {
  if (!(error instanceof URIError)) return undefined;
  return ScimError.badRequest("invalidSyntax", "the request path holds malformed percent-encoding (a % must be followed by two hex digits of UTF-8)");
}

export function errorRenderer(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next) => {
    const scimError = error instanceof ScimError ? error : (fromPathDecoding(error) ?? fromBodyParser((error ?? {}) as BodyParserError, req));
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
