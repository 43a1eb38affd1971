/**
 * `readiness --users FILE`: the tenant's users (an Entra export) against BIS as the config and
 * mapping find it, read-only: each user's outcome in Entra's first cycle, summarised on the
 * terminal and written as CSV or HTML. Exit 1 when a user would be refused or is ambiguous.
 */
import { writeFileSync } from "node:fs";
import type { BridgeConfig } from "../config/config-schema.js";
import type { CompiledMapping } from "../mapping/compiled-mapping.js";
import { loadEntraMappings } from "../readiness/entra-mapping.js";
import { predict, type Prediction } from "../readiness/first-cycle.js";
import { formatSummary, summarise, toCsv, toHtml, type ReadinessSummary } from "../readiness/readiness-report.js";
import { readTenantExport } from "../readiness/tenant-export.js";
import { openUserStore } from "../store/open-store.js";
import { ensureDemoDatabase } from "../store/sql/demo-database.js";

/** Users predicted at once: enough to keep the database busy, few enough for a REST API's rate. */
const PARALLEL = 8;

export interface ReadinessOptions {
  readonly users: string;
  readonly entraMappings?: string;
  readonly out?: string;
}

export interface ReadinessResult {
  readonly predictions: readonly Prediction[];
  readonly summary: ReadinessSummary;
  readonly format: string;
}

export async function readiness(config: BridgeConfig, mapping: CompiledMapping, options: ReadinessOptions): Promise<ReadinessResult> {
  const entraMappings = loadEntraMappings(options.entraMappings);
  const tenant = readTenantExport(options.users);
  if (config.demo && config.store.engine === "sqlite") ensureDemoDatabase(config.store.file);
  // Reads only: a dry-run store could not write even if asked.
  const store = openUserStore(config.store, mapping.model, mapping.api, { dryRun: true });
  const predictions: Prediction[] = [];
  try {
    let batch: Promise<Prediction>[] = [];
    for await (const user of tenant.users) {
      batch.push(predict({ mapping, store, entraMappings }, user));
      if (batch.length >= PARALLEL) {
        predictions.push(...(await Promise.all(batch)));
        batch = [];
      }
    }
    predictions.push(...(await Promise.all(batch)));
  } finally {
    await store.close();
  }
  const summary = summarise(predictions, [...tenant.ignored]);
  if (options.out) {
    writeFileSync(options.out, options.out.toLowerCase().endsWith(".html") ? toHtml(predictions, summary, new Date()) : toCsv(predictions));
  }
  return { predictions, summary, format: tenant.format };
}

export { formatSummary };
