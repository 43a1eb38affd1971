/**
 * A server of the HTTP-stage bench (http-stage.ts), in a process of its own so its CPU time is
 * its own. BENCH_STAGE names which, from the least work to the bridge's:
 *
 * - `node:http`: a bare node:http server answering the user's record as JSON;
 * - `express`: express with one route per request and nothing else (the body parsed for PATCH);
 * - `bridge`: the bridge's own app (createApp, as startBridge builds it) over a store that
 *   answers from memory at once (memory-store.ts).
 *
 * All three answer the same three requests (bare-requests.ts) for the same users. The first two
 * answer the user as the store holds it, the bridge answers SCIM. Answers "counters" and "stop"
 * over the IPC channel, like the bench's other servers.
 */
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createApp } from "../src/http/app.js";
import { loadMapping } from "../src/mapping/compiled-mapping.js";
import { createAuditTrail } from "../src/ops/audit-trail.js";
import { createMetrics } from "../src/ops/metrics.js";
import { answerBare, bareRequest, readJson } from "./bare-requests.js";
import { benchBridgeSetup, BENCH_TOKEN } from "./bridge-config.js";
import { serveBench, STAGE_USERS, STAGES, type Stage } from "./bridge-protocol.js";
import { memoryStore } from "./memory-store.js";

const BASE = "/scim/v2";
const stage = process.env.BENCH_STAGE as Stage;
const setup = benchBridgeSetup({ engine: "sqlite", file: "(not opened)" });
const mapping = loadMapping(setup.config.mapping);
const store = memoryStore(mapping.model, STAGE_USERS);

/** What node:http and express answer: the store's answer, or undefined for 404. */
async function answerFor(method: string | undefined, url: string, body: unknown): Promise<unknown> {
  const request = bareRequest(method, url, body);
  switch (request?.op) {
    case "filter": {
      const where = { kind: "compare", field: { kind: "column", column: mapping.model.emailColumn }, op: "eq", value: request.email, ignoreCase: true } as const;
      return store.find({ where, offset: 0, limit: 100 });
    }
    case "get":
      return store.get(String(request.id));
    case "patch":
      return store.update(String(request.id), (user) => ({ ...user, fields: { ...user.fields, LastName: request.familyName } }));
    default:
      return undefined;
  }
}

function nodeHttp(): RequestListener {
  return (req, res) => {
    const body = req.method === "PATCH" ? readJson(req) : Promise.resolve(undefined);
    answerBare(res, body.then((parsed) => answerFor(req.method, req.url ?? "", parsed)));
  };
}

function expressOnly(): RequestListener {
  const app = express();
  const answer = async (req: express.Request, res: express.Response) => {
    const found = await answerFor(req.method, req.originalUrl, req.body);
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

const ready = serveBench({
  statements: () => 0,
  async stop() {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    setup.dispose();
  },
});
ready(`http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE}`, BENCH_TOKEN);
