/**
 * The HTTP floor: the least any HTTP service must do to serve the bench's three requests. A bare
 * node:http server, in a process of its own like the bridge (bridge-process.ts), doing exactly
 * direct.ts's queries through a knex built from the same store config (same driver and pool
 * settings). No auth, no validation, no mapping, no logging: parse the request, run the
 * queries, answer their rows as JSON. Floor time / direct time is what the HTTP exchange alone
 * costs on this machine; bridge time / floor time is the bridge's own overhead.
 *
 * Started by bridge-client.ts with the store config in BENCH_STORE; answers "counters" (its
 * statements, peak RSS and CPU time) and "stop" over the IPC channel.
 *
 *   GET   <base>/Users/<id>                      get
 *   GET   <base>/Users?filter=userName eq "<e>"  filter
 *   PATCH <base>/Users/<id>  (SCIM PatchOp with name.familyName)  patch
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import knexFactory from "knex";
import { buildKnexConfig, type SqlStoreConfig } from "../src/store/sql/sql-config.js";
import { countersReply, type BridgeReply, type FloorRequest } from "./bridge-protocol.js";
import { directQueries, type DirectUser } from "./direct.js";

const store = JSON.parse(process.env.BENCH_STORE ?? "{}") as SqlStoreConfig;
const knex = knexFactory(buildKnexConfig(store));
const queries = directQueries(knex, store.engine);
let statements = 0;
knex.on("query", () => (statements += 1));

const USER = /\/Users\/(\d+)$/;
const FILTER_EMAIL = /^userName eq "(.*)"$/;

function answer(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/scim+json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The rows of the first user found, or undefined; a filter answers all it found. */
async function serve(req: IncomingMessage): Promise<DirectUser | DirectUser[] | undefined> {
  const url = req.url ?? "";
  const question = url.indexOf("?");
  const path = question < 0 ? url : url.slice(0, question);
  if (req.method === "GET" && path.endsWith("/Users")) {
    const email = FILTER_EMAIL.exec(new URLSearchParams(url.slice(question + 1)).get("filter") ?? "")?.[1];
    return email === undefined ? undefined : queries.filter(email);
  }
  const id = USER.exec(path)?.[1];
  if (id === undefined) return undefined;
  if (req.method === "GET") return (await queries.get(Number(id)))[0];
  if (req.method === "PATCH") {
    const body = JSON.parse(await readBody(req)) as { Operations?: { path?: string; value?: unknown }[] };
    const familyName = body.Operations?.find((op) => op.path === "name.familyName")?.value;
    return typeof familyName === "string" ? (await queries.patch(Number(id), familyName))[0] : undefined;
  }
  return undefined;
}

const server = createServer((req, res) => {
  serve(req).then(
    (found) => (found === undefined ? answer(res, 404, { status: 404 }) : answer(res, 200, found)),
    (error: unknown) => answer(res, 500, { status: 500, detail: String(error) }),
  );
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

const send = (reply: BridgeReply) => process.send!(reply);

process.on("message", async (request: FloorRequest) => {
  switch (request.type) {
    case "counters":
      return send(countersReply(request.id, statements));
    case "stop":
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await knex.destroy();
      // The bench closes the channel once it has this answer; this process then exits.
      return send({ id: request.id, type: "ok" });
  }
});

// As in bridge-process.ts: the bench stops this process itself on Ctrl-C; the channel closing
// (bench done or dead) ends it.
process.on("SIGINT", () => undefined);
process.once("disconnect", () => process.exit(0));

send({ id: 0, type: "ready", scimUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`, token: "none" });
