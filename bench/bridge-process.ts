/**
 * The bridge under test, in a process of its own so its peak RSS and CPU are its own. Started by
 * bridge-client.ts with the store config in BENCH_STORE; answers counter and capture requests
 * over the IPC channel. Logs and audit lines go to files, as in production.
 */
import { startBridge } from "../src/bridge.js";
import { SqlUserStore } from "../src/store/sql/sql-user-store.js";
import { benchBridgeSetup, BENCH_TOKEN } from "./bridge-config.js";
import { countersReply, type BridgeReply, type BridgeRequest, type CapturedStatement } from "./bridge-protocol.js";

const { config, logger, dispose } = benchBridgeSetup(JSON.parse(process.env.BENCH_STORE ?? "{}"));
const bridge = await startBridge(config, { logger });

if (!(bridge.store instanceof SqlUserStore)) throw new Error("the bench measures the SQL store; the bridge opened another");
let queries = 0;
let capture: CapturedStatement[] | undefined;
bridge.store.db.on("query", (query: { sql: string; bindings?: unknown[] }) => {
  queries += 1;
  capture?.push({ sql: query.sql, bindings: (query.bindings ?? []) as CapturedStatement["bindings"] });
});

const send = (reply: BridgeReply) => process.send!(reply);

process.on("message", async (request: BridgeRequest) => {
  switch (request.type) {
    case "counters":
      return send(countersReply(request.id, queries));
    case "capture":
      capture = [];
      return send({ id: request.id, type: "ok" });
    case "captured": {
      const statements = capture ?? [];
      capture = undefined;
      return send({ id: request.id, type: "captured", statements });
    }
    case "stop":
      await bridge.close();
      dispose();
      // The bench closes the channel once it has this answer; this process then exits.
      return send({ id: request.id, type: "ok" });
  }
});

// Ctrl-C reaches the whole process group: the bench stops this bridge itself, after which the
// channel closes; a bench that died without stopping it closes the channel too.
process.on("SIGINT", () => undefined);
process.once("disconnect", () => process.exit(0));

send({ id: 0, type: "ready", scimUrl: bridge.scimUrl.replace("localhost", "127.0.0.1"), token: BENCH_TOKEN });
