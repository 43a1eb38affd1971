/**
 * The readiness report: a summary for the terminal (counts per outcome, the commonest reasons),
 * CSV for spreadsheets, and one self-contained HTML page a consultant can hand to the customer
 * (summary first, then a table filterable by outcome; no external assets).
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { finished } from "node:stream/promises";
import { stringify } from "csv-stringify/sync";
import { reasonClass } from "../mapping/error-advice.js";
import type { Outcome, Prediction, UnknownNameTally } from "./first-cycle.js";

export const OUTCOMES: readonly Outcome[] = ["match", "create", "ambiguous", "refused", "conflict"];

const MEANING: Record<Outcome, string> = {
  match: "linked to an existing BIS user; the first PATCH changes the columns listed",
  create: "a new BIS user",
  ambiguous: "several BIS users share the e-mail: Entra's match fails",
  refused: "the bridge refuses the user: Entra's create (or its update) fails",
  conflict: "Entra's object id or employee number already belongs to another BIS user",
};

export interface ReadinessSummary {
  readonly total: number;
  /** BIS users no tenant user matches: Entra's cycle leaves them as they are. */
  readonly untouched: number;
  readonly counts: Readonly<Record<Outcome, number>>;
  /** The commonest reasons for refused, ambiguous and conflict, with how many users each. */
  readonly reasons: readonly { readonly reason: string; readonly users: number }[];
  readonly ignoredColumns: readonly string[];
  /** Lookup names (sites, departments) the tenant sends that BIS does not hold, and what happens to each. */
  readonly unknownNames: readonly UnknownNameTally[];
}

/** What the first cycle does with a name BIS does not hold, by the lookup's `missing:` policy. */
export const UNKNOWN_NAME_OUTCOME: Record<UnknownNameTally["missing"], string> = {
  create: "added to the table by the first user's write",
  refuse: "its users are refused (400) until it is added",
  empty: "its users are provisioned with it left empty until it is added",
};

export function summarise(predictions: readonly Prediction[], untouched: number, ignoredColumns: readonly string[], unknownNames: readonly UnknownNameTally[] = []): ReadinessSummary {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const reasons = new Map<string, number>();
  for (const p of predictions) {
    counts[p.outcome]++;
    // A match or create carries a note (a name left empty), listed with the unknown names instead.
    if (p.reason && p.outcome !== "match" && p.outcome !== "create") reasons.set(reasonClass(p.reason), (reasons.get(reasonClass(p.reason)) ?? 0) + 1);
  }
  const top = [...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([reason, users]) => ({ reason, users }));
  return { total: predictions.length, untouched, counts, reasons: top, ignoredColumns, unknownNames };
}

export function formatSummary(summary: ReadinessSummary): string {
  const lines = [`Entra's first cycle for ${summary.total} tenant users:`];
  for (const outcome of OUTCOMES) lines.push(`  ${outcome.padEnd(9)} ${String(summary.counts[outcome]).padStart(7)}  ${MEANING[outcome]}`);
  lines.push(`BIS users no tenant user matches: ${summary.untouched} (Entra's cycle leaves them as they are)`);
  if (summary.reasons.length > 0) {
    lines.push("", "Commonest reasons:");
    for (const r of summary.reasons) lines.push(`  ${String(r.users).padStart(7)}  ${r.reason}`);
  }
  if (summary.unknownNames.length > 0) {
    lines.push("", "Names BIS does not know (add them to BIS before the first cycle, or correct them in Entra):");
    for (const u of summary.unknownNames.slice(0, 10)) lines.push(`  ${String(u.users).padStart(7)}  ${u.table}: "${u.value}" (${u.attribute}): ${UNKNOWN_NAME_OUTCOME[u.missing]}`);
    if (summary.unknownNames.length > 10) lines.push(`  ... and ${summary.unknownNames.length - 10} more (see the HTML report)`);
  }
  if (summary.ignoredColumns.length > 0) lines.push("", `Columns not read: ${summary.ignoredColumns.join(", ")}`);
  const blocking = summary.counts.refused + summary.counts.ambiguous;
  lines.push("", blocking === 0 ? "Nothing is refused or ambiguous." : `${blocking} users will fail in Entra's first cycle: see the report's reason and fix for each.`);
  return `${lines.join("\n")}\n`;
}

const COLUMNS = ["user", "outcome", "bisIds", "changes", "reason", "fix"] as const;

function cells(p: Prediction): Record<(typeof COLUMNS)[number], string> {
  return {
    user: p.user,
    outcome: p.outcome,
    bisIds: p.bisIds.join(" "),
    changes: p.changes.map((c) => `${c.attribute}: ${show(c.old)} -> ${show(c.new)}`).join("; "),
    reason: p.reason ?? "",
    fix: p.fix ?? "",
  };
}

const show = (value: unknown) => (value === undefined ? "(none)" : JSON.stringify(value));

/** A BIS user no tenant user matches, as a report row. */
export interface Untouched {
  readonly id: string;
  readonly email: string;
}

const untouchedCells = (u: Untouched): Record<(typeof COLUMNS)[number], string> => ({
  user: u.email,
  outcome: "untouched",
  bisIds: u.id,
  changes: "",
  reason: "no tenant user has this mailbox: Entra's cycle leaves this BIS user as it is",
  fix: "",
});

/** Writes the CSV report a row at a time: 100,000 rows never become one string in memory. */
export async function writeCsv(file: string, predictions: readonly Prediction[], untouched: readonly Untouched[]): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write(stringify([], { header: true, columns: [...COLUMNS] }));
  for (const p of predictions) await write(stringify([cells(p)], { columns: [...COLUMNS] }));
  for (const u of untouched) await write(stringify([untouchedCells(u)], { columns: [...COLUMNS] }));
  out.end();
  await finished(out);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function toHtml(predictions: readonly Prediction[], untouched: readonly Untouched[], summary: ReadinessSummary, generatedAt: Date): string {
  const row = (c: Record<(typeof COLUMNS)[number], string>) => `<tr data-outcome="${c.outcome}">${COLUMNS.map((k) => `<td>${escapeHtml(c[k])}</td>`).join("")}</tr>`;
  const rows = [...predictions.map(cells), ...untouched.map(untouchedCells)].map(row).join("\n");
  const counts = [
    ...OUTCOMES.map((o) => `<tr><th scope="row">${o}</th><td>${summary.counts[o]}</td><td>${escapeHtml(MEANING[o])}</td></tr>`),
    `<tr><th scope="row">untouched</th><td>${summary.untouched}</td><td>BIS users no tenant user matches: left as they are</td></tr>`,
  ].join("\n");
  const reasons = summary.reasons.map((r) => `<li>${r.users} users: ${escapeHtml(r.reason)}</li>`).join("\n");
  const unknown = summary.unknownNames
    .map((u) => `<tr><td>${escapeHtml(u.table)}</td><td>${escapeHtml(u.value)}</td><td>${escapeHtml(u.attribute)}</td><td>${u.users}</td><td>${escapeHtml(UNKNOWN_NAME_OUTCOME[u.missing])}</td></tr>`)
    .join("\n");
  const options = [...OUTCOMES.map((o) => `<option value="${o}">${o} (${summary.counts[o]})</option>`), `<option value="untouched">untouched BIS users (${summary.untouched})</option>`].join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Go-live readiness: Entra's first cycle into BIS</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}tr[hidden]{display:none}
</style>
</head>
<body>
<h1>Go-live readiness: Entra's first cycle into BIS</h1>
<p>Generated ${escapeHtml(generatedAt.toISOString())} for ${summary.total} tenant users. Nothing was written to BIS.</p>
<h2>Summary</h2>
<table id="summary"><thead><tr><th>Outcome</th><th>Users</th><th>Meaning</th></tr></thead><tbody>
${counts}
</tbody></table>
${reasons ? `<h2>Commonest reasons</h2>\n<ul id="reasons">\n${reasons}\n</ul>` : ""}
${unknown ? `<h2>Names BIS does not know</h2>\n<p>Add them to BIS before the first cycle, or correct them in Entra.</p>\n<table id="unknown-names"><thead><tr><th scope="col">Table</th><th scope="col">Name sent</th><th scope="col">Attribute</th><th scope="col">Users</th><th scope="col">First cycle</th></tr></thead><tbody>\n${unknown}\n</tbody></table>` : ""}
<h2>Every user</h2>
<p><label for="outcome">Show</label> <select id="outcome"><option value="">all (${summary.total + summary.untouched})</option>${options}</select></p>
<table id="users"><thead><tr>${COLUMNS.map((c) => `<th scope="col">${c}</th>`).join("")}</tr></thead><tbody>
${rows}
</tbody></table>
<script>
document.getElementById("outcome").addEventListener("change", (e) => {
  for (const row of document.querySelectorAll("#users tbody tr")) row.hidden = e.target.value !== "" && row.dataset.outcome !== e.target.value;
});
</script>
</body>
</html>
`;
}
