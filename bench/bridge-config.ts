/**
 * The bridge as the bench runs it: the reference mapping, production log level, the request log
 * and audit trail written to files in a temporary directory (as deployed; no pipe back-pressure
 * is measured). Shared by the bridge process and the HTTP-stage server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import winston from "winston";
import { configSchema, type BridgeConfig } from "../src/config/config-schema.js";
import { createLogger, type Logger } from "../src/ops/logger.js";

export const BENCH_TOKEN = "bench-token-0123456789abcdef";

export interface BenchBridgeSetup {
  readonly config: BridgeConfig;
  /** One JSON line per request at info, as deployed. */
  readonly logger: Logger;
  /** Closes the logger and removes the log and audit files. */
  dispose(): void;
}

/** `store` is the store section of the config (the stage server's is never opened). */
export function benchBridgeSetup(store: unknown): BenchBridgeSetup {
  const dir = mkdtempSync(join(tmpdir(), "bis-bench-bridge-"));
  const config = configSchema.parse({
    server: { port: 0, host: "127.0.0.1" },
    auth: { tokens: BENCH_TOKEN },
    audit: { file: join(dir, "audit-%DATE%.log") },
    mapping: fileURLToPath(new URL("../mappings/bis-reference.yaml", import.meta.url)),
    mappingReload: false,
    store,
  });
  const logger = createLogger({ level: "info", format: "json", transports: [new winston.transports.File({ filename: join(dir, "bridge.log") })] });
  return {
    config,
    logger,
    dispose() {
      logger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
