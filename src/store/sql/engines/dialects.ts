import type { SqlEngine } from "../sql-config.js";
import type { EngineDialect } from "./engine-dialect.js";
import { mariadbDialect } from "./mariadb.js";
import { mssqlDialect } from "./mssql.js";
import { postgresDialect } from "./postgres.js";
import { sqliteDialect } from "./sqlite.js";

const dialects: Record<SqlEngine, EngineDialect> = {
  sqlite: sqliteDialect,
  postgres: postgresDialect,
  mariadb: mariadbDialect,
  mssql: mssqlDialect,
};

export function dialectFor(engine: SqlEngine): EngineDialect {
  return dialects[engine];
}
