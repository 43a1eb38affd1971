/**
 * The bridge under test, in a process of its own so its peak RSS and CPU are its own. Started by
 * bridge-client.ts with the store config in BENCH_STORE; answers counter and capture requests
 * over the IPC channel. Logs and audit lines go to files, as in production.
 */
import { startBridge } from "../src/bridge.js";
import { SqlUserStore } from "../src/store/sql/sql-user-store.js";
import { benchBridgeSetup, BENCH_TOKEN } from "./bridge-config.js";
import { serveBench, type BridgeReply, type CapturedStatement } from "./bridge-protocol.js";

const { config, logger, dispose } = benchBridgeSetup(JSON.parse(process.env.BENCH_STORE ?? "{}"));
const bridge = await startBridge(config, { logger });

if (!(bridge.store instanceof SqlUserStore)) throw new Error("the bench measures the SQL store; the bridge opened another");
let queries = 0;
let capture: CapturedStatement[] | undefined;
bridge.store.db.on("query", (query: { sql: string; bindings?: unknown[] }) => {
  queries += 1;
  capture?.push({ sql: query.sql, bindings: (query.bindings ?? []) as CapturedStatement["bindings"] });
});

const ready = serveBench({
  statements: () => queries,
  async stop() {
    await bridge.close();
    dispose();
  },
  other(request): BridgeReply {
    if (request.type === "capture") {
      capture = [];
      return { id: request.id, type: "ok" };
    }
    const statements = capture ?? [];
    capture = undefined;
    return { id: request.id, type: "captured", statements };
  },
});
ready(bridge.scimUrl.replace("localhost", "127.0.0.1"), BENCH_TOKEN);
