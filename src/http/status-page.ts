/**
 * GET /status: a plain server-rendered HTML page for the people running the bridge: backend
 * health, recent SCIM operations and errors, job runs and the reconciliation findings. It needs
 * the bearer token (header only: a token in a URL ends up in proxy logs and browser history).
 * Every value is HTML-escaped; the styles come from /status.css, so helmet's strict CSP holds.
 */
import { Router, type RequestHandler } from "express";
import { uncleanReason } from "../identity/email-identity.js";
import type { BackendProbe } from "../jobs/backend-probe.js";
import type { Reconciliation } from "../jobs/reconciliation.js";
import type { Job, JobRun } from "../jobs/scheduler.js";
import type { RecentOperation, RecentOperations } from "../ops/recent-operations.js";

export interface StatusSources {
  readonly probe: BackendProbe;
  readonly recent: RecentOperations;
  readonly jobs: () => readonly Pick<Job, "name" | "schedule" | "exclusive">[];
  readonly jobRuns: () => readonly JobRun[];
  readonly reconciliation: Reconciliation;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (value: unknown): string => String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
const time = (at: Date | undefined) => (at ? at.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "never");

function table(caption: string, id: string, headers: readonly string[], rows: readonly (readonly unknown[])[], empty: string): string {
  if (rows.length === 0) return `<p class="empty" id="${id}">${escapeHtml(empty)}</p>`;
  const head = headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`).join("\n");
  return `<table id="${id}"><caption>${escapeHtml(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const operationRow = (op: RecentOperation) => [time(op.at), op.method, op.operation, op.status, op.bisId ?? "", `${op.durationMs} ms`, op.requestId];

export function renderStatusPage(sources: StatusSources, now = new Date()): string {
  const probe = sources.probe.last;
  const backend = probe
    ? `<p class="${probe.up ? "up" : "down"}" id="backend-state">BIS ${probe.up ? "reachable" : "unreachable"}, checked ${escapeHtml(time(probe.at))}${probe.error ? `: ${escapeHtml(probe.error)}` : ""}</p>`
    : `<p id="backend-state">Not probed yet.</p>`;
  const operations = sources.recent.list();
  const errors = operations.filter((op) => op.status >= 400);
  const runs = sources.jobRuns();
  const jobRows = sources.jobs().map((job) => {
    const last = runs.find((run) => run.job === job.name);
    return [job.name, job.schedule, job.exclusive ? "one replica" : "every replica", last ? time(last.startedAt) : "not yet", last?.result ?? "", last?.error ?? ""];
  });
  const findings = sources.reconciliation.findings;
  const reconciliation = findings
    ? `<p>Report of ${escapeHtml(time(findings.at))}.</p>
<ul id="findings">
<li>E-mails shared by several BIS users: <strong>${findings.duplicateEmails.length}</strong>${findings.duplicateEmails.length ? ` (BIS ids ${escapeHtml(findings.duplicateEmails.map((g) => g.ids.join(" + ")).join("; "))})` : ""}</li>
<li>E-mails not in the clean form (matched where an index can find them; correct them in BIS): ${findings.uncleanEmails.unavailable ? `not available: ${escapeHtml(findings.uncleanEmails.unavailable)}` : `<strong>${findings.uncleanEmails.total}</strong>${findings.uncleanEmails.users.length ? ` (${escapeHtml(findings.uncleanEmails.users.map((u) => `BIS id ${u.id}: ${uncleanReason(u.email) ?? "clean"}`).join("; "))})` : ""}`}</li>
<li>Users without an Entra externalId: ${findings.withoutExternalId.unavailable ? `not available: ${escapeHtml(findings.withoutExternalId.unavailable)}` : `<strong>${findings.withoutExternalId.total}</strong>${findings.withoutExternalId.ids.length ? ` (BIS ids ${escapeHtml(findings.withoutExternalId.ids.join(", "))})` : ""}`}</li>
<li>Disabled in BIS but active in Entra's last push: <strong>${findings.disabledButActiveInEntra.length}</strong>${findings.disabledButActiveInEntra.length ? ` (BIS ids ${escapeHtml(findings.disabledButActiveInEntra.join(", "))})` : ""}</li>
</ul>`
    : `<p class="empty" id="findings">No reconciliation report yet.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>bis-scim-bridge status</title>
<link rel="stylesheet" href="/status.css">
<link rel="icon" href="data:,">
</head>
<body>
<h1>bis-scim-bridge status</h1>
<p class="generated">Generated ${escapeHtml(time(now))} by this replica.</p>
<h2>Backend</h2>
${backend}
<h2>Recent operations</h2>
${table("Last SCIM operations, newest first", "operations", ["Time", "Method", "Operation", "Status", "BIS id", "Duration", "Request id"], operations.map(operationRow), "No SCIM operations since start.")}
<h2>Recent errors</h2>
${table("Operations answered with an error status", "errors", ["Time", "Method", "Operation", "Status", "BIS id", "Duration", "Request id"], errors.map(operationRow), "No errors among the recent operations.")}
<h2>Jobs</h2>
${table("Scheduled jobs and their last run on this replica", "jobs", ["Job", "Schedule", "Runs on", "Last run", "Result", "Error"], jobRows, "No jobs are enabled.")}
<h2>Reconciliation</h2>
${reconciliation}
</body>
</html>
`;
}

const STYLESHEET = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;max-width:72rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%}caption{text-align:left;color:#57606a;padding:.2rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}th{background:#f6f8fa}
.up{color:#1a7f37;font-weight:600}.down{color:#cf222e;font-weight:600}.empty,.generated{color:#57606a}
`;

/** `guard` is the same allow-list, throttle and bearer check the SCIM routes use. */
export function statusRoutes(guard: readonly RequestHandler[], sources: StatusSources): Router {
  const router = Router();
  router.get("/status.css", (_req, res) => {
    res.type("text/css").setHeader("Cache-Control", "no-cache").send(STYLESHEET);
  });
  router.get("/status", ...guard, (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.type("html").send(renderStatusPage(sources));
  });
  return router;
}
