/** `check`: the configured mapping against the live BIS database, before go-live. */
import type { BridgeConfig } from "../config/config-schema.js";
import type { CompiledMapping } from "../mapping/compiled-mapping.js";
import { checkMapping, type Finding } from "../mapping/mapping-check.js";
import { comparesCaseSensitively, readDatabaseSchema } from "../store/sql/introspection/database-schema.js";
import { createSqlUserStore } from "../store/sql/sql-user-store.js";

export async function checkAgainstDatabase(config: BridgeConfig, mapping: CompiledMapping): Promise<Finding[]> {
  const store = createSqlUserStore(config.store, mapping.model);
  try {
    const tables = await readDatabaseSchema(store.db, config.store.engine);
    return checkMapping(mapping, tables, { needsFoldedIndexes: comparesCaseSensitively(config.store.engine) });
  } finally {
    await store.close();
  }
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return "The mapping fits the database: no findings.\n";
  const lines = findings.map((f) => `${f.level.toUpperCase().padEnd(7)} ${f.subject}: ${f.message}${f.fix ? `\n        fix: ${f.fix}` : ""}`);
  const errors = findings.filter((f) => f.level === "error").length;
  return `${lines.join("\n")}\n\n${errors} error(s), ${findings.length - errors} warning(s)\n`;
}
