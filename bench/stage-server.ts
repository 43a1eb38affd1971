/**
 * A server of the HTTP-stage bench (http-stage.ts), in a process of its own so its CPU time is
 * its own. BENCH_STAGE names which, from the least work to the bridge's:
 *
 * - `node:http`: a bare node:http server answering the user's record as JSON;
 * - `express`: express with one route per request and nothing else (the body parsed for PATCH);
 * - `bridge`: the bridge's own app (createApp, as startBridge builds it) over a store that
 *   answers from memory at once (memory-store.ts).
 *
 * All three answer the same three requests for the same users: GET <base>/Users/<id>,
 * GET <base>/Users?filter=userName eq "<e-mail>", PATCH <base>/Users/<id> (name.familyName).
 * The first two answer the user as the store holds it, the bridge answers SCIM. Answers "counters" and
 * "stop" over the IPC channel, like the bench's other servers.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createApp } from "../src/http/app.js";
import { loadMapping } from "../src/mapping/compiled-mapping.js";
import { createAuditTrail } from "../src/ops/audit-trail.js";
import { createMetrics } from "../src/ops/metrics.js";
import { benchBridgeSetup, BENCH_TOKEN } from "./bridge-config.js";
import { countersReply, STAGE_USERS, STAGES, type BridgeReply, type FloorRequest, type Stage } from "./bridge-protocol.js";
import { memoryStore } from "./memory-store.js";

const BASE = "/scim/v2";
const stage = process.env.BENCH_STAGE as Stage;
const setup = benchBridgeSetup({ engine: "sqlite", file: "(not opened)" });
const mapping = loadMapping(setup.config.mapping);
const store = memoryStore(mapping.model, STAGE_USERS);
const emailOf = (url: string) => /^userName eq "(.*)"$/.exec(new URL(url, "http://x").searchParams.get("filter") ?? "")?.[1] ?? "";

/** What node:http and express do for a request: the store's answer, or undefined for 404. */
async function answerFor(method: string, url: string, familyName: () => unknown): Promise<unknown> {
  const id = /\/Users\/(\d+)$/.exec(url)?.[1];
  if (method === "GET" && id === undefined) return store.find({ where: { kind: "compare", field: { kind: "column", column: mapping.model.emailColumn }, op: "eq", value: emailOf(url), ignoreCase: true }, offset: 0, limit: 100 });
  if (id === undefined) return undefined;
  if (method === "GET") return store.get(id);
  const name = familyName();
  return typeof name === "string" ? store.update(id, (user) => ({ ...user, fields: { ...user.fields, LastName: name } })) : undefined;
}

const familyNameIn = (body: unknown) => (body as { Operations?: { path?: string; value?: unknown }[] }).Operations?.find((op) => op.path === "name.familyName")?.value;

function nodeHttp(): RequestListener {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const json = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/scim+json", "content-length": Buffer.byteLength(json) });
    res.end(json);
  };
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  };
  return (req, res) => {
    const body = req.method === "PATCH" ? readBody(req) : Promise.resolve(undefined);
    body
      .then(async (parsed) => answerFor(req.method ?? "GET", req.url ?? "", () => familyNameIn(parsed)))
      .then((found) => (found === undefined ? send(res, 404, { status: 404 }) : send(res, 200, found)), (error: unknown) => send(res, 500, { detail: String(error) }));
  };
}

function expressOnly(): RequestListener {
  const app = express();
  const answer = async (req: express.Request, res: express.Response) => {
    const found = await answerFor(req.method, req.originalUrl, () => familyNameIn(req.body));
    if (found === undefined) res.status(404).json({ status: 404 });
    else res.status(200).json(found);
  };
  app.get(`${BASE}/Users`, answer);
  app.get(`${BASE}/Users/:id`, answer);
  app.patch(`${BASE}/Users/:id`, express.json({ type: "application/scim+json" }), answer);
  return app;
}

function bridge(): RequestListener {
  const { config, logger } = setup;
  return createApp({
    server: config.server,
    auth: config.auth,
    scim: config.scim,
    mapping,
    store,
    logger,
    metrics: createMetrics(),
    audit: createAuditTrail({ ...config.audit, maskFields: config.log.maskFields }),
  });
}

const listeners: Record<Stage, () => RequestListener> = { "node:http": nodeHttp, express: expressOnly, bridge };
if (!listeners[stage]) throw new Error(`BENCH_STAGE must be one of ${STAGES.join(", ")}`);
const server = createServer(listeners[stage]());
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

const send = (reply: BridgeReply) => process.send!(reply);
process.on("message", async (request: FloorRequest) => {
  switch (request.type) {
    case "counters":
      return send(countersReply(request.id, 0));
    case "stop":
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      setup.dispose();
      return send({ id: request.id, type: "ok" });
  }
});
process.on("SIGINT", () => undefined);
process.once("disconnect", () => process.exit(0));

send({ id: 0, type: "ready", scimUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE}`, token: BENCH_TOKEN });
