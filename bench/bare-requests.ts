/**
 * The bench's three requests as a bare server reads and answers them, without express: shared
 * by the HTTP floor (http-floor.ts) and the HTTP-stage bench's node:http and express servers
 * (stage-server.ts), so they all understand the same requests the same way.
 *
 *   GET   <base>/Users/<id>                                   get
 *   GET   <base>/Users?filter=userName eq "<e-mail>"          filter
 *   PATCH <base>/Users/<id>  (SCIM PatchOp, name.familyName)  patch
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export type BareRequest =
  | { readonly op: "get"; readonly id: number }
  | { readonly op: "filter"; readonly email: string }
  | { readonly op: "patch"; readonly id: number; readonly familyName: string };

const USER = /\/Users\/(\d+)$/;
const FILTER_EMAIL = /^userName eq "(.*)"$/;

/** `body` is the parsed JSON body (a PATCH's); undefined when the request is none of the three. */
export function bareRequest(method: string | undefined, url: string, body?: unknown): BareRequest | undefined {
  const question = url.indexOf("?");
  const path = question < 0 ? url : url.slice(0, question);
  if (method === "GET" && path.endsWith("/Users")) {
    const email = FILTER_EMAIL.exec(new URLSearchParams(url.slice(question + 1)).get("filter") ?? "")?.[1];
    return email === undefined ? undefined : { op: "filter", email };
  }
  const id = USER.exec(path)?.[1];
  if (id === undefined) return undefined;
  if (method === "GET") return { op: "get", id: Number(id) };
  const familyName = (body as { Operations?: { path?: string; value?: unknown }[] } | undefined)?.Operations?.find((op) => op.path === "name.familyName")?.value;
  return method === "PATCH" && typeof familyName === "string" ? { op: "patch", id: Number(id), familyName } : undefined;
}

/** The body of a request as JSON (node:http leaves reading it to the server). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** Answers `found` as JSON, 404 when there is none, 500 with the error when `answer` failed. */
export function answerBare(res: ServerResponse, answer: Promise<unknown>): void {
  const send = (status: number, body: unknown) => {
    const json = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/scim+json", "content-length": Buffer.byteLength(json) });
    res.end(json);
  };
  answer.then(
    (found) => (found === undefined ? send(404, { status: 404 }) : send(200, found)),
    (error: unknown) => send(500, { status: 500, detail: String(error) }),
  );
}
