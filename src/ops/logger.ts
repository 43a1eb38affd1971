/** The bridge's winston logger: JSON lines by default, plain text for a console. */
import winston from "winston";

export type Logger = winston.Logger;

export interface LoggerOptions {
  readonly level: string;
  readonly format: "json" | "text";
  /** Extra transports, e.g. a capture in tests. */
  readonly transports?: winston.transport[];
}

export function createLogger(options: LoggerOptions): Logger {
  const format =
    options.format === "json"
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(winston.format.timestamp(), winston.format.simple());
  return winston.createLogger({
    level: options.level,
    format,
    transports: options.transports ?? [new winston.transports.Console({ stderrLevels: ["error", "warn"] })],
  });
}
