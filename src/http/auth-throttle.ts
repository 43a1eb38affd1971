/**
 * Slows down token guessing: a client address that fails bearer authentication `max` times in
 * a window gets 429 with Retry-After until the window passes. bearerAuth runs it only for
 * requests without a valid token, so those are never counted nor refused, and guessing from a
 * shared address cannot lock Entra out.
 */
import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import { ScimError } from "../scim/scim-error.js";

export function authThrottle(limit: { max: number; windowSeconds: number }): RequestHandler {
  return rateLimit({
    windowMs: limit.windowSeconds * 1000,
    limit: limit.max,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    handler: (_req, _res, next, options) => {
      const retryAfter = String(Math.ceil(options.windowMs / 1000));
      next(new ScimError(429, undefined, "too many failed authentication attempts from this address; retry later", { "Retry-After": retryAfter }));
    },
  });
}
