/**
 * `readiness --users FILE`: the tenant's users (an Entra export) against BIS as the config and
 * mapping find it, read-only: each user's outcome in Entra's first cycle, summarised on the
 * terminal and written as CSV or HTML. Exit 1 when a user would be refused or is ambiguous.
 */
import { writeFileSync } from "node:fs";
import type { BridgeConfig } from "../config/config-schema.js";
import type { CompiledMapping } from "../mapping/compiled-mapping.js";
import { loadEntraMappings } from "../readiness/entra-mapping.js";
import { readBisView, type BisRead } from "../readiness/bis-view.js";
import { decide, prepare, tallyUnknownNames, type Prepared, type Prediction } from "../readiness/first-cycle.js";
import { nameIdentity } from "../identity/email-identity.js";
import { readDistinctValues } from "../store/sql/reference-data.js";
import { SqlUserStore } from "../store/sql/sql-user-store.js";
import { summarise, toHtml, writeCsv, type ReadinessSummary } from "../readiness/readiness-report.js";
import { readTenantExport } from "../readiness/tenant-export.js";
import { openUserStore } from "../store/open-store.js";
import { ensureDemoDatabase } from "../store/sql/demo-database.js";

export interface ReadinessOptions {
  readonly users: string;
  readonly entraMappings?: string;
  readonly out?: string;
  /** Called after each page of BIS users read (a progress bar on a terminal). */
  readonly onProgress?: (read: number, total: number) => void;
}

export interface ReadinessResult {
  readonly predictions: readonly Prediction[];
  /** BIS users no tenant user matches: left untouched by Entra's cycle. */
  readonly untouched: BisRead["untouched"];
  readonly summary: ReadinessSummary;
  readonly format: string;
}

export async function readiness(config: BridgeConfig, mapping: CompiledMapping, options: ReadinessOptions): Promise<ReadinessResult> {
  const deps = { mapping, entraMappings: loadEntraMappings(options.entraMappings) };
  const tenant = readTenantExport(options.users);
  const prepared: Prepared[] = [];
  for await (const user of tenant.users) prepared.push(prepare(deps, user));
  const wanted = { mailboxes: new Set<string>(), objectIds: new Set<string>(), employeeNumbers: new Set<string>() };
  for (const p of prepared) {
    if (p.mailbox !== undefined) wanted.mailboxes.add(p.mailbox);
    if (!p.refused && p.objectId) wanted.objectIds.add(p.objectId);
    if (!p.refused && p.employeeNumber) wanted.employeeNumbers.add(p.employeeNumber);
  }
  if (config.demo && config.store.engine === "sqlite") ensureDemoDatabase(config.store.file);
  // Reads only: a dry-run store could not write even if asked.
  const store = openUserStore(config.store, mapping.model, mapping.api, { dryRun: true });
  let bis: BisRead;
  try {
    bis = { ...(await readBisView(store, mapping, wanted, options.onProgress)), lookupNames: await readLookupNames(store, mapping) };
  } finally {
    await store.close();
  }
  const predictions = prepared.map((p) => decide(mapping, p, bis));
  const summary = summarise(predictions, bis.untouched.length, [...tenant.ignored], tallyUnknownNames(mapping, prepared, bis));
  if (options.out) {
    if (options.out.toLowerCase().endsWith(".html")) writeFileSync(options.out, toHtml(predictions, bis.untouched, summary, new Date()));
    else await writeCsv(options.out, predictions, bis.untouched);
  }
  return { predictions, untouched: bis.untouched, summary, format: tenant.format };
}

/** Most names a lookup table is read for: sites and departments number hundreds, not millions. */
const MAX_LOOKUP_NAMES = 1_000_000;

/** The names each lookup table holds, by the identity rule (the SQL stores' lookups; an API has none). */
async function readLookupNames(store: unknown, mapping: CompiledMapping): Promise<Map<string, Set<string>>> {
  const names = new Map<string, Set<string>>();
  if (!(store instanceof SqlUserStore)) return names;
  for (const lookup of mapping.model.lookups) {
    const values = await readDistinctValues(store.db, lookup.table, lookup.nameColumn, MAX_LOOKUP_NAMES);
    names.set(lookup.name, new Set(values.map(nameIdentity)));
  }
  return names;
}
