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
 * The three requests are read as bare-requests.ts reads them.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import knexFactory from "knex";
import { buildKnexConfig, type SqlStoreConfig } from "../src/store/sql/sql-config.js";
import { answerBare, bareRequest, readJson } from "./bare-requests.js";
import { serveBench } from "./bridge-protocol.js";
import { directQueries, type DirectUser } from "./direct.js";

const store = JSON.parse(process.env.BENCH_STORE ?? "{}") as SqlStoreConfig;
const knex = knexFactory(buildKnexConfig(store));
const queries = directQueries(knex, store.engine);
let statements = 0;
knex.on("query", () => (statements += 1));

/** The rows of the first user found, or undefined; a filter answers all it found. */
async function serve(method: string | undefined, url: string, body: unknown): Promise<DirectUser | DirectUser[] | undefined> {
  const request = bareRequest(method, url, body);
  switch (request?.op) {
    case "filter":
      return queries.filter(request.email);
    case "get":
      return (await queries.get(request.id))[0];
    case "patch":
      return (await queries.patch(request.id, request.familyName))[0];
    default:
      return undefined;
  }
}

const server = createServer((req, res) => {
  const body = req.method === "PATCH" ? readJson(req) : Promise.resolve(undefined);
  answerBare(res, body.then((parsed) => serve(req.method, req.url ?? "", parsed)));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

const ready = serveBench({
  statements: () => statements,
  async stop() {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await knex.destroy();
  },
});
ready(`http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`, "none");
