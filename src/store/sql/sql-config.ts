/**
 * Configuration of the SQL store, validated once at start-up (the config stage hands us the
 * parsed object). Credentials live only here and in the knex config built from it.
 */
import type { Knex } from "knex";
import { z } from "zod";
import { mariadbKnexConfig } from "./engines/mariadb.js";
import { mssqlKnexConfig } from "./engines/mssql.js";
import { postgresKnexConfig } from "./engines/postgres.js";
import { sqliteKnexConfig } from "./engines/sqlite.js";

export const SQL_ENGINES = ["sqlite", "postgres", "mariadb", "mssql"] as const;
export type SqlEngine = (typeof SQL_ENGINES)[number];

/** Numbers and flags may come from `${ENV}` references in the config, i.e. as strings. */
const integer = () => z.coerce.number().int();
const flag = () => z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());

const poolSchema = z.strictObject({
  min: integer().min(0),
  max: integer().min(1),
});

const commonFields = {
  pool: poolSchema.optional(),
  /** How long a write waits for its per-e-mail / per-user lock before giving up (503). */
  lockTimeoutMs: integer().positive().default(10_000),
  /** Per-statement limit, where the driver supports one. */
  requestTimeoutMs: integer().positive().optional(),
  /**
   * Longest one store call may take (a read, or a write transaction with its lock waits and
   * retries) before the request answers 503: a hung network or server never holds a request.
   * A write abandoned at its deadline has its connection closed, so it rolls back. Default 30 s.
   */
  deadlineMs: integer().positive().optional(),
};

const serverFields = {
  url: z.string().min(1).optional(),
  host: z.string().min(1).optional(),
  port: integer().min(1).max(65_535).optional(),
  database: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  password: z.string().optional(),
};

const hasTarget = (c: { url?: string; host?: string; database?: string }) =>
  c.url !== undefined || (c.host !== undefined && c.database !== undefined);
const targetMessage = { message: "set either url, or host and database" };

const sqliteSchema = z.strictObject({
  engine: z.literal("sqlite"),
  file: z.string().min(1),
  ...commonFields,
});

const postgresSchema = z
  .strictObject({ engine: z.literal("postgres"), ...serverFields, ...commonFields })
  .refine(hasTarget, targetMessage);

const mariadbSchema = z
  .strictObject({ engine: z.literal("mariadb"), ...serverFields, ...commonFields })
  .refine(hasTarget, targetMessage);

const mssqlSchema = z
  .strictObject({
    engine: z.literal("mssql"),
    ...serverFields,
    ...commonFields,
    /** A named instance (SQL Browser resolves its port; `port` is then ignored). */
    instanceName: z.string().min(1).optional(),
    /** When set, `user`/`password` are a Windows account logged in through NTLM. */
    domain: z.string().min(1).optional(),
    encrypt: flag().default(true),
    trustServerCertificate: flag().default(false),
    connectTimeoutMs: integer().positive().optional(),
  })
  .refine(hasTarget, targetMessage);

export const sqlStoreConfigSchema = z.discriminatedUnion("engine", [
  sqliteSchema,
  postgresSchema,
  mariadbSchema,
  mssqlSchema,
]);

/** The parsed config (defaults applied). */
export type SqlStoreConfig = z.infer<typeof sqlStoreConfigSchema>;
/** What a config file may contain (defaults optional). */
export type SqlStoreConfigInput = z.input<typeof sqlStoreConfigSchema>;

export type SqliteConfig = z.infer<typeof sqliteSchema>;
export type PostgresConfig = z.infer<typeof postgresSchema>;
export type MariadbConfig = z.infer<typeof mariadbSchema>;
export type MssqlConfig = z.infer<typeof mssqlSchema>;

/** The knex config for this store config: driver, connection, pool and per-engine hooks. */
export function buildKnexConfig(config: SqlStoreConfig): Knex.Config {
  // The store reports driver failures itself (typed, without credentials); knex's own console lines would duplicate them outside the log.
  return { ...engineKnexConfig(config), log: { warn() {}, error() {}, deprecate() {}, debug() {} } };
}

function engineKnexConfig(config: SqlStoreConfig): Knex.Config {
  switch (config.engine) {
    case "sqlite":
      return sqliteKnexConfig(config);
    case "postgres":
      return postgresKnexConfig(config);
    case "mariadb":
      return mariadbKnexConfig(config);
    case "mssql":
      return mssqlKnexConfig(config);
  }
}

/**
 * Waiting for a pooled connection counts against the request deadline, and ends a little before
 * it: a burst of requests queued behind writes that the deadline aborts gives up before those
 * connections are replaced, so the pool does not open new connections (on a slow network, slow
 * ones that hold its slots after it heals) for requests about to be answered 503 anyway.
 */
export function acquireTimeout(config: { deadlineMs?: number }): number {
  const beforeDeadline = config.deadlineMs === undefined ? ACQUIRE_CONNECTION_TIMEOUT_MS : Math.max(1, Math.floor(config.deadlineMs * 0.9));
  return Math.min(ACQUIRE_CONNECTION_TIMEOUT_MS, beforeDeadline);
}

/** Pool settings shared by the server engines; an idle bridge holds no connections. */
export function serverPool(config: { pool?: { min: number; max: number } }): Knex.PoolConfig {
  return { min: config.pool?.min ?? 0, max: config.pool?.max ?? 10 };
}

/** Waiting longer than this for a pooled connection means the backend is unavailable. */
export const ACQUIRE_CONNECTION_TIMEOUT_MS = 15_000;
