/**
 * The termination-dates job: disables BIS users whose termination date has passed and who are
 * still active, as Entra would with active=false. The columns come from the mapping (the BIS
 * extension's `terminationdate` and the core `active` attribute); each disable is one store
 * update, re-checked inside its transaction, and one audit line (who = "job:termination-dates").
 */
import { randomUUID } from "node:crypto";
import { mappedAttribute, type CompiledMapping, type MappedAttribute } from "../mapping/compiled-mapping.js";
import { decodeValue, encodeValue } from "../mapping/value-codec.js";
import type { AuditTrail } from "../ops/audit-trail.js";
import type { Logger } from "../ops/logger.js";
import { URN } from "../scim/schema-urns.js";
import type { BisUser } from "../store/bis-user.js";
import { UnsupportedQueryError } from "../store/store-errors.js";
import type { Condition, Field } from "../store/user-query.js";
import type { UserStore } from "../store/user-store.js";
import type { Job } from "./scheduler.js";

export const TERMINATION_JOB = "termination-dates";
const WHO = `job:${TERMINATION_JOB}`;
const PAGE = 100;

export interface TerminationDeps {
  readonly store: () => Pick<UserStore, "find" | "update">;
  readonly mapping: () => CompiledMapping;
  readonly audit: AuditTrail;
  readonly logger: Logger;
  /** Today's date as YYYY-MM-DD (UTC unless a test says otherwise). */
  readonly today?: () => string;
}

type ColumnField = Extract<Field, { kind: "column" }>;
type ColumnAttribute = MappedAttribute & { readonly field: ColumnField };

/** The mapped column of a SCIM attribute, or undefined when the mapping does not map it to one. */
function columnOf(mapping: CompiledMapping, schema: string, attribute: string): ColumnAttribute | undefined {
  const found = mappedAttribute(mapping, schema, attribute);
  return found?.field.kind === "column" ? (found as ColumnAttribute) : undefined;
}

/** Dates kept as text in a format like DD.MM.YYYY do not sort as dates, so BIS cannot select the past ones. */
const SORTABLE_FORMAT = /^YYYY-MM-DD/;

/**
 * How the job finds candidates: BIS selects the past dates itself (a date range), or it selects
 * the active users and the job reads each date in code (a text date that does not sort, or a
 * backend that cannot search by a range).
 */
interface Selection {
  /** Absent: every user, page by page (a backend that can search by neither). */
  readonly where?: Condition;
  readonly inCode: boolean;
}

/** Disables every active user whose termination date is before today; returns how many. */
export async function disableTerminatedUsers(deps: TerminationDeps): Promise<number> {
  const mapping = deps.mapping();
  const terminationAttribute = columnOf(mapping, URN.bisUser, "terminationdate");
  const activeAttribute = columnOf(mapping, URN.user, "active");
  if (!terminationAttribute || !activeAttribute) {
    deps.logger.warn("termination-dates job: the mapping maps no terminationdate or active column; nothing to do");
    return 0;
  }
  const [termination, active] = [terminationAttribute.field, activeAttribute.field];
  const today = deps.today?.() ?? new Date().toISOString().slice(0, 10);
  // Values as BIS keeps them: the date in the column's format, the flag as its value map says (Y/N, ACTIVE/INACTIVE).
  const isActive = (value: unknown) => decodeValue(activeAttribute.entry, value) === true;
  const isDue = (user: BisUser) => {
    const endDate = decodeValue(terminationAttribute.entry, user.fields[termination.column]);
    return typeof endDate === "string" && endDate.slice(0, 10) < today;
  };
  const activeNow: Condition = { kind: "compare", field: active, op: "eq", value: encodeValue(activeAttribute.entry, true), ignoreCase: false };
  const byDate: Selection = {
    where: { kind: "and", conditions: [{ kind: "compare", field: termination, op: "lt", value: encodeValue(terminationAttribute.entry, today), ignoreCase: false }, activeNow] },
    inCode: false,
  };
  const selections: Selection[] = [
    ...(terminationAttribute.entry.dateFormat && !SORTABLE_FORMAT.test(terminationAttribute.entry.dateFormat) ? [] : [byDate]),
    { where: { kind: "and", conditions: [{ kind: "present", field: termination }, activeNow] }, inCode: true },
    { where: activeNow, inCode: true },
    { inCode: true },
  ];
  const store = deps.store();
  const runId = randomUUID();
  let disabled = 0;
  let failed = 0;
  // Users read but not due (decided in code) stay in the result: the next page starts past them.
  let kept = 0;
  let selection = selections.shift()!;
  for (;;) {
    let page;
    try {
      page = await store.find({ where: selection.where, offset: failed + kept, limit: PAGE });
    } catch (error) {
      if (!(error instanceof UnsupportedQueryError)) throw error;
      const next = selections.shift();
      // Never "nothing to do" reported as success: a run that cannot select anyone fails.
      if (!next) throw new Error(`termination-dates job: this backend cannot list its users (${error.message}); no user was checked`);
      deps.logger.info("termination-dates job: the backend cannot select this way; trying a wider selection, dates decided in code", { reason: error.message });
      selection = next;
      continue;
    }
    if (page.users.length === 0) break;
    for (const candidate of page.users) {
      if (selection.inCode && !(isActive(candidate.fields[active.column]) && isDue(candidate))) {
        kept += 1;
        continue;
      }
      try {
        let old: unknown;
        const result = await store.update(candidate.id, (current: BisUser) => {
          old = current.fields[active.column];
          // Re-checked under the write lock: Entra may have changed the user since the read.
          if (!isActive(old) || !isDue(current)) return current;
          return { ...current, fields: { ...current.fields, [active.column]: encodeValue(activeAttribute.entry, false) } };
        });
        if (result && isActive(old) && !isActive(result.fields[active.column])) {
          disabled += 1;
          deps.audit.record({
            who: WHO,
            operation: "disable",
            bisId: candidate.id,
            changes: [{ attribute: "active", old: true, new: false }],
            result: "success",
            status: 200,
            requestId: runId,
          });
        } else if (selection.inCode) {
          kept += 1;
        }
      } catch (error) {
        failed += 1;
        const detail = error instanceof Error ? error.message : String(error);
        deps.audit.record({ who: WHO, operation: "disable", bisId: candidate.id, result: "failure", status: 500, detail, requestId: runId });
      }
    }
    if (page.users.length < PAGE) break;
  }
  deps.logger.info("termination-dates job", { disabled, failed, today, ...(selection.inCode && { checked: kept + disabled + failed, datesDecidedIn: "code" }) });
  if (failed > 0) throw new Error(`${failed} terminated user(s) could not be disabled`);
  return disabled;
}

export function terminationDatesJob(schedule: string, deps: TerminationDeps): Job {
  return {
    name: TERMINATION_JOB,
    schedule,
    exclusive: true,
    async run() {
      await disableTerminatedUsers(deps);
    },
  };
}
