/**
 * Slows down token guessing: a client address that fails bearer authentication `max` times in
 * a window gets 429 with Retry-After until the window passes. Requests with a valid token are
 * never counted nor refused, so guessing from a shared address cannot lock Entra out.
 */
import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import { ScimError } from "../scim/scim-error.js";
import type { TokenCheck } from "./bearer-auth.js";

export function authThrottle(limit: { max: number; windowSeconds: number }, tokenName: TokenCheck): RequestHandler {
  return rateLimit({
    skip: (req) => tokenName(req) !== undefined,
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
