/**
 * Bearer-token check for every SCIM route. Tokens are compared through their SHA-256 digests
 * with timingSafeEqual, so neither content nor length leaks through timing. Tokens are never logged.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { ScimError } from "../scim/scim-error.js";
import { renderScimError } from "./error-renderer.js";

const digest = (token: string) => createHash("sha256").update(token, "utf8").digest();

export function bearerAuth(tokens: readonly string[]): RequestHandler {
  const accepted = tokens.map(digest);
  return (req, res, next) => {
    const header = req.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const offered = match ? digest(match[1]) : undefined;
    // Compare against every token, always, so the position of a match does not show in timing.
    let ok = false;
    for (const token of accepted) ok = (offered !== undefined && timingSafeEqual(token, offered)) || ok;
    if (ok) return next();
    res.setHeader("WWW-Authenticate", `Bearer realm="bis-scim-bridge"${match ? ', error="invalid_token"' : ""}`);
    renderScimError(res, new ScimError(401, undefined, match ? "the bearer token is not valid" : "an Authorization: Bearer token is required"));
  };
}
