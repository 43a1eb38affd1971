/**
 * One throw-away BIS database per engine and size, made like the tests' (test/support/
 * scratch-databases.ts, the same schema and its ports). Server engines need a URL
 * (BIS_BENCH_POSTGRES_URL / BIS_BENCH_MARIADB_URL / BIS_BENCH_MSSQL_URL, falling back to the test
 * suite's variables); without one the engine is skipped with the reason printed.
 */
import { createScratchDatabase, SCHEMA_FILES, sqlText, type ScratchDatabase } from "../test/support/scratch-databases.js";
import type { BenchEngine } from "./options.js";

const URL_VARIABLES = {
  postgres: ["BIS_BENCH_POSTGRES_URL", "BIS_TEST_POSTGRES_URL"],
  mariadb: ["BIS_BENCH_MARIADB_URL", "BIS_TEST_MARIADB_URL"],
  mssql: ["BIS_BENCH_MSSQL_URL", "BIS_TEST_MSSQL_URL"],
} as const;

/** `config` is the bridge's store config for it; `knex` a connection of the bench's own, built like the bridge's. */
export type BenchDatabase = ScratchDatabase<BenchEngine>;

/** The server URL for an engine, or why it cannot run here. */
export function serverUrl(engine: BenchEngine): { url?: string; reason?: string } {
  if (engine === "sqlite") return {};
  const names = URL_VARIABLES[engine];
  const name = names.find((n) => process.env[n]);
  return name ? { url: process.env[name] } : { reason: `${names[0]} is not set` };
}

/** A database with the reference schema, named `bis_bench_<label>_<pid>` on a server. */
export function createBenchDatabase(engine: BenchEngine, label: string): Promise<BenchDatabase> {
  return createScratchDatabase(engine, { serverUrl: serverUrl(engine).url, name: `bis_bench_${label}_${process.pid}`, scripts: [sqlText(SCHEMA_FILES[engine])] });
}
