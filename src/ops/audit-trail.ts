/**
 * The audit trail: one JSON line per change the bridge writes to BIS (who, what, old -> new,
 * when, result), in daily files kept for a configured time. Never in BIS's own tables.
 */
import winston from "winston";
import DailyRotateFile from "winston-daily-rotate-file";
import type { AuditConfig } from "../config/config-schema.js";
import { maskFormat } from "./pii-mask.js";

export interface AttributeChange {
  readonly attribute: string;
  readonly old?: unknown;
  readonly new?: unknown;
}

export interface AuditEntry {
  /** The token's name: which client made the change. */
  readonly who: string;
  readonly operation: "create" | "adopt" | "replace" | "patch" | "delete" | "disable";
  readonly bisId?: string;
  readonly changes?: readonly AttributeChange[];
  readonly result: "success" | "failure";
  readonly status: number;
  readonly detail?: string;
  readonly requestId: string;
}

export interface AuditTrail {
  record(entry: AuditEntry): void;
  /** Flushes and closes the files. */
  close(): Promise<void>;
}

/** `maskFields`: attributes whose old/new values are masked (config log.maskFields). */
export function createAuditTrail(config: AuditConfig & { readonly maskFields?: readonly string[] }): AuditTrail {
  if (!config.enabled) return { record() {}, close: async () => {} };
  const file = new DailyRotateFile({
    filename: config.file,
    datePattern: "YYYY-MM-DD",
    maxFiles: config.keep,
    createSymlink: false,
    auditFile: config.file.replace(/%DATE%.*$/, ".rotation.json"),
  });
  const logger = winston.createLogger({
    level: "info",
    format: winston.format.combine(maskFormat({ fields: config.maskFields ?? [] }), winston.format.timestamp({ alias: "at" }), winston.format.json()),
    transports: [file],
  });
  return {
    record(entry) {
      logger.info("change", entry);
    },
    close() {
      return new Promise((resolve) => {
        const done = setTimeout(resolve, 2000);
        file.on("finish", () => {
          clearTimeout(done);
          resolve();
        });
        logger.end();
      });
    },
  };
}
