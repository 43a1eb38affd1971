/**
 * The reconciliation report, read-only: BIS users sharing a mailbox (however each writes it),
 * legacy e-mails not in the clean form the bridge writes, users without Entra's
 * externalId, and users disabled in BIS whom Entra's last push left active. The bridge keeps no
 * state, so "Entra's last push" is read from the audit trail: per BIS id, the last successful
 * change made by a client (not a job) that set `active`. Findings are kept for /status, logged
 * as one summary line and counted in bis_bridge_reconciliation_findings{kind}.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { mappedAttribute, type CompiledMapping } from "../mapping/compiled-mapping.js";
import type { Logger } from "../ops/logger.js";
import type { BridgeMetrics } from "../ops/metrics.js";
import { URN } from "../scim/schema-urns.js";
import { decodeValue } from "../mapping/value-codec.js";
import { UnsupportedQueryError } from "../store/store-errors.js";
import type { EmailGroup, EmailReport, UserStore } from "../store/user-store.js";
import type { Job } from "./scheduler.js";

export const RECONCILIATION_JOB = "reconciliation";
/** How many items of each kind the report lists (the counts are always complete). */
const LISTED = 100;

export interface ReconciliationFindings {
  readonly at: Date;
  readonly duplicateEmails: readonly EmailGroup[];
  /** Legacy e-mails with surrounding spaces, NFD, fullwidth or invisible characters; `unavailable` says why not read. */
  readonly uncleanEmails: EmailReport["uncleanEmails"] & { readonly unavailable?: string };
  /** `unavailable` says why the backend cannot list them (an API without such a query). */
  readonly withoutExternalId: { readonly total: number; readonly ids: readonly string[]; readonly unavailable?: string };
  readonly disabledButActiveInEntra: readonly string[];
}

export interface ReconciliationDeps {
  readonly store: () => Pick<UserStore, "find" | "get" | "emailReport">;
  readonly mapping: () => CompiledMapping;
  readonly logger: Logger;
  readonly metrics: BridgeMetrics;
  /** The audit trail's file pattern (config audit.file), e.g. data/audit/audit-%DATE%.log. */
  readonly auditFile: string;
}

export interface Reconciliation {
  readonly findings: ReconciliationFindings | undefined;
  run(): Promise<ReconciliationFindings>;
}

const isTrue = (value: unknown) => value === true || value === 1 || value === "1" || value === "true" || value === "True";

/** Per BIS id, the `active` value of the last successful client change that set it (deletes forget the id). */
export function lastPushedActive(auditFile: string, activeName: string): Map<string, boolean> {
  const dir = path.dirname(auditFile);
  const [prefix, suffix = ""] = path.basename(auditFile).split("%DATE%");
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(suffix) && f !== path.basename(auditFile)).sort();
  } catch {
    return new Map();
  }
  const last = new Map<string, boolean>();
  for (const file of files) {
    for (const line of readFileSync(path.join(dir, file), "utf8").split("\n")) {
      if (!line.trim()) continue;
      let entry: { who?: string; operation?: string; bisId?: string; result?: string; changes?: { attribute: string; new?: unknown }[] };
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (entry.result !== "success" || !entry.bisId || entry.who?.startsWith("job:")) continue;
      if (entry.operation === "delete") {
        last.delete(entry.bisId);
        continue;
      }
      const change = entry.changes?.find((c) => c.attribute === activeName);
      if (change && "new" in change) last.set(entry.bisId, isTrue(change.new));
    }
  }
  return last;
}

export function createReconciliation(deps: ReconciliationDeps): Reconciliation {
  let findings: ReconciliationFindings | undefined;
  return {
    get findings() {
      return findings;
    },
    async run() {
      const store = deps.store();
      const mapping = deps.mapping();
      const externalId = mappedAttribute(mapping, URN.user, "externalId");
      const active = mappedAttribute(mapping, URN.user, "active");

      const emails = await store.emailReport?.(LISTED);
      const duplicateEmails = emails?.sharedEmails ?? [];
      const uncleanEmails: ReconciliationFindings["uncleanEmails"] = emails?.uncleanEmails ?? { total: 0, users: [], unavailable: "this backend cannot read every user's e-mail (BIS's API is paged and rate-limited)" };
      let withoutExternalId: ReconciliationFindings["withoutExternalId"] = { total: 0, ids: [] };
      if (externalId) {
        try {
          const page = await store.find({ where: { kind: "not", condition: { kind: "present", field: externalId.field } }, offset: 0, limit: LISTED });
          withoutExternalId = { total: page.total, ids: page.users.map((u) => u.id) };
        } catch (error) {
          if (!(error instanceof UnsupportedQueryError)) throw error;
          withoutExternalId = { total: 0, ids: [], unavailable: "this backend cannot list users without a value (BIS's API has no such query)" };
        }
      }
      const disabledButActiveInEntra: string[] = [];
      if (active?.field.kind === "column") {
        for (const [id, pushedActive] of lastPushedActive(deps.auditFile, active.name)) {
          if (!pushedActive) continue;
          const user = await store.get(id);
          // Decoded as the mapping says: a flag may be kept as Y/N or ACTIVE/INACTIVE.
          if (user && decodeValue(active.entry, user.fields[active.field.column]) !== true) disabledButActiveInEntra.push(id);
        }
      }
      findings = { at: new Date(), duplicateEmails, uncleanEmails, withoutExternalId, disabledButActiveInEntra };
      const counts = {
        duplicateEmails: duplicateEmails.length,
        uncleanEmails: uncleanEmails.total,
        withoutExternalId: withoutExternalId.total,
        disabledButActiveInEntra: disabledButActiveInEntra.length,
      };
      for (const [kind, count] of Object.entries(counts)) deps.metrics.reconciliation.set({ kind }, count);
      deps.logger.info("reconciliation report", counts);
      return findings;
    },
  };
}

export function reconciliationJob(schedule: string, reconciliation: Reconciliation): Job {
  return {
    name: RECONCILIATION_JOB,
    schedule,
    // Read-only, but one replica is enough; the others' /status shows their own last run.
    exclusive: true,
    async run() {
      await reconciliation.run();
    },
  };
}
