/** Every SCIM answer goes out as application/scim+json (Entra's validator insists). */
import type { Response } from "express";

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

export function sendScim(res: Response, status: number, body: unknown): void {
  res.status(status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
}
