/**
 * `check` on a REST store: the mapping's api: section against what BIS's API really answers.
 * The records it returns hold the key, the e-mail and every mapped field; each search parameter
 * finds a record by its own value; the e-mail search ignores case, as the duplicate check needs.
 */
import { readPath } from "../store/rest/api-record.js";
import type { ApiProbe } from "../store/rest/rest-user-store.js";
import type { CompiledMapping } from "./compiled-mapping.js";
import type { Finding } from "./mapping-check.js";

export function checkApi(mapping: CompiledMapping, probe: ApiProbe): Finding[] {
  const api = mapping.api!;
  const findings: Finding[] = [];
  if (api.list.total && probe.total === undefined) {
    findings.push({ level: "warning", subject: "api.list.total", message: `BIS's list answer holds no number at ${api.list.total}: Entra's totalResults can only be estimated`, fix: "name the field holding the total count, or remove list.total" });
  }
  if (probe.sample.length === 0) {
    findings.push({ level: "warning", subject: api.users, message: "BIS answered no users: the record's fields and the search parameters could not be compared with the mapping", fix: "run check again once BIS holds a user" });
    return findings;
  }
  for (const [subject, field] of [["api.key", api.key], ["api.email", api.email]] as const) {
    if (probe.sample.some((r) => readPath(r, field) === undefined)) {
      findings.push({ level: "error", subject, message: `BIS's records have no field ${field}`, fix: `name the field of ${api.users}'s records that holds it` });
    }
  }
  for (const attribute of mapping.attributes) {
    if (attribute.field.kind !== "column") continue;
    const field = attribute.field.column;
    if (probe.sample.every((r) => readPath(r, field) === undefined)) {
      findings.push({ level: attribute.entry.required ? "error" : "warning", subject: attribute.name, message: `no record BIS answered has the field ${field} (of ${probe.sample.length} read)`, fix: "correct the field path (dotted for nested objects, e.g. address.province)" });
    }
  }
  for (const search of probe.searches) {
    const subject = `api.search.${search.field}`;
    if (search.value === undefined) {
      findings.push({ level: "warning", subject, message: `no record read has a value in ${search.field}, so ?${search.param}= could not be tried` });
    } else if (search.ignored) {
      findings.push({ level: "error", subject, message: `?${search.param}= with a value no user has still answers users: BIS does not filter by this parameter`, fix: "name the query parameter that finds users by this field" });
    } else if (!search.found) {
      findings.push({ level: "error", subject, message: `?${search.param}=${search.value} did not find the user whose ${search.field} it is`, fix: "name the query parameter that finds users by this field" });
    } else if (search.foundInUpperCase === false) {
      findings.push({ level: "warning", subject, message: `?${search.param}= matches case-sensitively: an e-mail differing only in case is not found, so the bridge cannot stop BIS holding both`, fix: "ask for a case-insensitive e-mail search on BIS's API; until then BIS's own duplicate answer is the only guard" });
    }
  }
  return findings;
}
