/** The bridge's winston logger: JSON lines by default, plain text for a console. */
import winston from "winston";
import { maskFormat } from "./pii-mask.js";

export type Logger = winston.Logger;

export interface LoggerOptions {
  readonly level: string;
  readonly format: "json" | "text";
  /** Personal-data fields whose values are masked in every entry (config log.maskFields). */
  readonly maskFields?: readonly string[];
  /** Extra transports, e.g. a capture in tests. */
  readonly transports?: winston.transport[];
}

export function createLogger(options: LoggerOptions): Logger {
  const mask = maskFormat({ fields: options.maskFields ?? [] });
  const format =
    options.format === "json"
      ? winston.format.combine(mask, winston.format.timestamp(), winston.format.json())
      : winston.format.combine(mask, winston.format.timestamp(), winston.format.simple());
  return winston.createLogger({
    level: options.level,
    format,
    transports: options.transports ?? [new winston.transports.Console({ stderrLevels: ["error", "warn"] })],
  });
}
