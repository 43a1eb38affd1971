/**
 * Bearer-token check for every SCIM route. Tokens are compared through their SHA-256 digests
 * with timingSafeEqual, so neither content nor length leaks through timing. Tokens are never logged.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { ScimError } from "../scim/scim-error.js";
import { renderScimError } from "./error-renderer.js";

const digest = (token: string) => createHash("sha256").update(token, "utf8").digest();
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Whether a request carries one of the tokens. */
export type TokenCheck = (req: Request) => boolean;

export function tokenCheck(tokens: readonly string[]): TokenCheck {
  const accepted = tokens.map(digest);
  return (req) => {
    const match = BEARER.exec(req.get("authorization") ?? "");
    if (!match) return false;
    const offered = digest(match[1]);
    // Compare against every token, always, so the position of a match does not show in timing.
    let ok = false;
    for (const token of accepted) ok = timingSafeEqual(token, offered) || ok;
    return ok;
  };
}

export function bearerAuth(isAuthorised: TokenCheck): RequestHandler {
  return (req, res, next) => {
    if (isAuthorised(req)) return next();
    const offered = BEARER.test(req.get("authorization") ?? "");
    res.setHeader("WWW-Authenticate", `Bearer realm="bis-scim-bridge"${offered ? ', error="invalid_token"' : ""}`);
    renderScimError(res, new ScimError(401, undefined, offered ? "the bearer token is not valid" : "an Authorization: Bearer token is required"));
  };
}
