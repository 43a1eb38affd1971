/** `check` and `introspect`: the live BIS database's schema, against a mapping or as a starter mapping. */
import type { BridgeConfig } from "../config/config-schema.js";
import type { CompiledMapping } from "../mapping/compiled-mapping.js";
import { checkMapping, type Finding } from "../mapping/mapping-check.js";
import { checkReferences } from "../mapping/reference-check.js";
import { checkStoredValues } from "../mapping/stored-values-check.js";
import { readDistinctValues, readForeignKeys, sqlReferenceData } from "../store/sql/reference-data.js";
import { sampledColumns, starterMapping } from "../mapping/starter-mapping.js";
import { checkOptionsFor, readDatabaseSchema } from "../store/sql/introspection/database-schema.js";
import { checkApi } from "../mapping/api-check.js";
import { requireApiMapping, requireSqlStore } from "../store/open-store.js";
import type { RestStoreConfig } from "../store/rest/rest-config.js";
import { createRestUserStore } from "../store/rest/rest-user-store.js";
import { createSqlUserStore } from "../store/sql/sql-user-store.js";
import type { EmailReport } from "../store/user-store.js";
import { buildKnexConfig } from "../store/sql/sql-config.js";
import knexFactory from "knex";

/** More duplicate e-mails than this are a data clean-up of their own; the report names the first ones. */
const MAX_DUPLICATES_REPORTED = 1000;

/** Legacy e-mails not in the clean form: matched where an index can find them, listed to be cleaned. */
function uncleanFinding(mapping: CompiledMapping, unclean: EmailReport["uncleanEmails"]): Finding {
  const shown = unclean.users.slice(0, 5).map((u) => `${u.id}: ${JSON.stringify(u.email)}`).join(", ");
  return {
    level: "warning",
    subject: `${mapping.model.table}.${mapping.model.emailColumn}`,
    message: `${unclean.total} e-mails are not in the clean form the bridge writes (${shown}${unclean.total > 5 ? ", ..." : ""}): surrounding spaces and NFD are still matched, other forms (invisible or fullwidth characters) are not`,
    fix: "correct them in BIS (trimmed, NFC); the reconciliation report on /status lists them",
  };
}

export async function checkAgainstDatabase(config: BridgeConfig, mapping: CompiledMapping): Promise<Finding[]> {
  if (config.store.engine === "rest") return checkAgainstApi(config.store, mapping);
  const sql = requireSqlStore(config.store, "check");
  const store = createSqlUserStore(sql, mapping.model);
  try {
    const tables = await readDatabaseSchema(store.db, sql.engine);
    const findings = checkMapping(mapping, tables, checkOptionsFor(sql.engine));
    if (findings.some((f) => f.level === "error")) return findings;
    const emails = await store.emailReport(MAX_DUPLICATES_REPORTED);
    const data = sqlReferenceData(store.db, store.dialect);
    const references = await checkReferences(mapping, data);
    const users = tables.find((t) => t.name.toLowerCase() === mapping.model.table.toLowerCase())!;
    const storedValues = await checkStoredValues(mapping, users, data);
    return [
      ...findings,
      ...references,
      ...storedValues,
      ...emails.sharedEmails.map((group): Finding => ({
        level: "warning",
        subject: `${mapping.model.table}.${mapping.model.emailColumn}`,
        message: `${group.ids.length} users share the e-mail ${group.email} (ids ${group.ids.join(", ")}): a filter for it returns them all, and a create answers 409`,
        fix: "merge or correct these users in BIS before go-live",
      })),
      ...(emails.uncleanEmails.total > 0 ? [uncleanFinding(mapping, emails.uncleanEmails)] : []),
    ];
  } finally {
    await store.close();
  }
}

/** A REST store: the api: section against the records and searches BIS's API answers. */
async function checkAgainstApi(config: RestStoreConfig, mapping: CompiledMapping): Promise<Finding[]> {
  const store = createRestUserStore(config, mapping.model, requireApiMapping(mapping));
  try {
    return checkApi(mapping, await store.probe());
  } finally {
    await store.close();
  }
}

const MISSING_POLICY: Record<"create" | "refuse" | "empty", string> = {
  create: "added to the table",
  refuse: "refused with 400 (nothing written)",
  empty: "left empty on the user and reported (log, metrics, /status)",
};

/** What each lookup does with a name BIS does not know, so a consultant sees the policy beside the findings. */
export function formatLookupPolicies(mapping: CompiledMapping): string {
  if (mapping.model.lookups.length === 0) return "";
  const lines = mapping.model.lookups.map((l) => `  ${l.name}: ${l.table}.${l.nameColumn} via ${mapping.model.table}.${l.column}; a name BIS does not know is ${MISSING_POLICY[l.onMissing]} (missing: ${l.onMissing})`);
  return `Lookups:\n${lines.join("\n")}\n\n`;
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return "The mapping fits BIS: no findings.\n";
  const lines = findings.map((f) => `${f.level.toUpperCase().padEnd(7)} ${f.subject}: ${f.message}${f.fix ? `\n        fix: ${f.fix}` : ""}`);
  const errors = findings.filter((f) => f.level === "error").length;
  return `${lines.join("\n")}\n\n${errors} error(s), ${findings.length - errors} warning(s)\n`;
}

/** Distinct values read per flag, date or country column: enough to tell DD/MM from MM/DD. */
const INTROSPECT_SAMPLE = 500;

export async function introspectTable(config: BridgeConfig, tableName: string): Promise<string> {
  const sql = requireSqlStore(config.store, "introspect");
  const db = knexFactory(buildKnexConfig(sql));
  try {
    const tables = await readDatabaseSchema(db, sql.engine);
    const table = tables.find((t) => t.name.toLowerCase() === tableName.toLowerCase());
    if (!table) throw new Error(`no table ${tableName} (tables: ${tables.map((t) => t.name).join(", ")})`);
    const samples = new Map<string, string[]>();
    for (const column of sampledColumns(table)) samples.set(column, await readDistinctValues(db, table.name, column, INTROSPECT_SAMPLE));
    return starterMapping(table, { tables, foreignKeys: await readForeignKeys(db, sql.engine, table.name), samples });
  } finally {
    await db.destroy();
  }
}
