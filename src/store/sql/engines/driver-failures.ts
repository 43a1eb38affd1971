/** Failures every driver shares: sockets and the knex pool. */
import type { Failure } from "./engine-dialect.js";
import { DeadlockVictim } from "./engine-dialect.js";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

export function errorProperty(error: unknown, key: string): unknown {
  return typeof error === "object" && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

/** Socket errors, knex pool timeouts and our own deadlock signal, on any engine. */
export function commonFailure(error: unknown): Failure | undefined {
  if (error instanceof DeadlockVictim) return { kind: "retry", reason: "deadlock" };
  const code = errorProperty(error, "code");
  if (typeof code === "string" && NETWORK_CODES.has(code)) {
    return { kind: "unavailable", reason: `connection failed (${code})` };
  }
  if (errorProperty(error, "name") === "KnexTimeoutError") {
    return { kind: "unavailable", reason: "no database connection available (pool timeout)" };
  }
  // AggregateError from a dual-stack connect attempt carries the socket codes in .errors.
  const inner = errorProperty(error, "errors");
  if (Array.isArray(inner)) return inner.map(commonFailure).find((failure) => failure !== undefined);
  return undefined;
}
