/**
 * Bearer-token check for every SCIM route. Tokens are compared through their SHA-256 digests
 * with timingSafeEqual, so neither content nor length leaks through timing. Tokens are never logged.
 * The token list is read through a getter on every request, so a reload (SIGHUP) applies at once.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { ScimError } from "../scim/scim-error.js";
import { renderScimError } from "./error-renderer.js";

const digest = (token: string) => createHash("sha256").update(token, "utf8").digest();
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export interface NamedToken {
  readonly name: string;
  readonly token: string;
}

/** The name of the token a request carries, or undefined when it carries none of them. */
export type TokenCheck = (req: Request) => string | undefined;

/** `tokens` is called per request; digests are recomputed only when it returns another list. */
export function tokenCheck(tokens: () => readonly NamedToken[]): TokenCheck {
  let current: readonly NamedToken[] | undefined;
  let accepted: { name: string; digest: Buffer }[] = [];
  return (req) => {
    const list = tokens();
    if (list !== current) {
      accepted = list.map(({ name, token }) => ({ name, digest: digest(token) }));
      current = list;
    }
    const match = BEARER.exec(req.get("authorization") ?? "");
    if (!match) return undefined;
    const offered = digest(match[1]);
    // Compare against every token, always, so the position of a match does not show in timing.
    let found: string | undefined;
    for (const token of accepted) if (timingSafeEqual(token.digest, offered)) found ??= token.name;
    return found;
  };
}

/**
 * Checks the token once per request. A valid one passes (its name in res.locals.tokenName) and is
 * never throttled; a failure goes through `throttle` (which counts it per client and may answer
 * 429) and, when that lets it through, gets 401.
 */
export function bearerAuth(tokenName: TokenCheck, throttle: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const name = tokenName(req);
    if (name !== undefined) {
      res.locals.tokenName = name;
      return next();
    }
    return throttle(req, res, (error?: unknown) => {
      if (error !== undefined) return next(error);
      const offered = BEARER.test(req.get("authorization") ?? "");
      res.setHeader("WWW-Authenticate", `Bearer realm="bis-scim-bridge"${offered ? ', error="invalid_token"' : ""}`);
      renderScimError(res, new ScimError(401, undefined, offered ? "the bearer token is not valid" : "an Authorization: Bearer token is required"));
    });
  };
}
