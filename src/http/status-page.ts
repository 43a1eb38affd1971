/**
 * GET /status: a plain server-rendered HTML page for the people running the bridge: provisioning
 * health as Entra will judge it and what to fix, backend health, recent SCIM operations and
 * errors, names BIS does not know, job runs and the reconciliation findings. It needs the bearer
 * token (header only: a token in a URL ends up in proxy logs and browser history) or, with
 * `admin:`, a signed-in session (console-sign-in.ts).
 * Every value is HTML-escaped; the styles come from /status.css, so helmet's strict CSP holds.
 */
import { Router, type Request, type RequestHandler } from "express";
import { consolePage, escapeHtml } from "./console-page.js";
import { uncleanReason } from "../identity/email-identity.js";
import type { BackendProbe } from "../jobs/backend-probe.js";
import type { Reconciliation } from "../jobs/reconciliation.js";
import type { Job, JobRun } from "../jobs/scheduler.js";
import type { RecentOperation, RecentOperations } from "../ops/recent-operations.js";
import type { UnknownValues } from "../ops/unknown-values.js";
import { ENTRA_QUARANTINE, type FailingUser, type HealthReport, type ProvisioningHealth } from "../ops/provisioning-health.js";
import { maskMatcher } from "../ops/pii-mask.js";

export interface StatusSources {
  readonly probe: BackendProbe;
  readonly recent: RecentOperations;
  readonly jobs: () => readonly Pick<Job, "name" | "schedule" | "exclusive">[];
  readonly jobRuns: () => readonly JobRun[];
  readonly reconciliation: Reconciliation;
  readonly unknownValues: UnknownValues;
  readonly health: ProvisioningHealth;
  /** log.maskFields: a userName shown on the page is masked when it names userName. */
  readonly maskFields: readonly string[];
}

export { escapeHtml };
const time = (at: Date | undefined) => (at ? at.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "never");

function table(caption: string, id: string, headers: readonly string[], rows: readonly (readonly unknown[])[], empty: string): string {
  if (rows.length === 0) return `<p class="empty" id="${id}">${escapeHtml(empty)}</p>`;
  const head = headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`).join("\n");
  return `<table id="${id}"><caption>${escapeHtml(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const operationRow = (op: RecentOperation) => [time(op.at), op.method, op.operation, op.status, op.bisId ?? "", `${op.durationMs} ms`, op.requestId];

/** A userName as the page shows it: masked (first character and domain) when log.maskFields names userName. */
export function shownUserName(userName: string | undefined, maskFields: readonly string[]): string {
  if (userName === undefined) return "";
  if (!maskMatcher(maskFields)("userName")) return userName;
  const at = userName.lastIndexOf("@");
  return at > 0 ? `${userName[0]}***${userName.slice(at)}` : "***";
}

const STATE_CLASS: Record<HealthReport["state"], string> = { healthy: "up", "at risk": "risk", "quarantine likely": "down" };
const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/** Requests and failures per hour over the window as a bar chart: inline SVG, no script, with a text equivalent. */
function hourlyChart(hourly: HealthReport["hourly"]): string {
  const width = 24 * hourly.length;
  const height = 80;
  const peak = Math.max(1, ...hourly.map((h) => h.events));
  const bar = (i: number, value: number, cls: string) => {
    const h = Math.round((value / peak) * (height - 14));
    return h === 0 ? "" : `<rect class="${cls}" x="${i * 24 + 3}" y="${height - 12 - h}" width="18" height="${h}"></rect>`;
  };
  const bars = hourly.map((h, i) => bar(i, h.events, "events") + bar(i, h.failures, "failures")).join("");
  const total = hourly.reduce((sum, h) => ({ events: sum.events + h.events, failures: sum.failures + h.failures }), { events: 0, failures: 0 });
  const label = `Events and failures per hour over the last ${hourly.length} hours: ${total.events} events, ${total.failures} failed; the busiest hour had ${peak === 1 && total.events === 0 ? 0 : peak} events.`;
  const first = hourly[0] ? time(hourly[0].hour).slice(11, 16) : "";
  return `<figure id="hourly"><svg role="img" aria-labelledby="hourly-title" viewBox="0 0 ${width} ${height}" width="100%" height="${height}" preserveAspectRatio="none"><title id="hourly-title">${escapeHtml(label)}</title>${bars}<line x1="0" y1="${height - 12}" x2="${width}" y2="${height - 12}" class="axis"></line></svg>
<figcaption>Per hour since ${escapeHtml(first)} UTC: <span class="key-events">events</span>, <span class="key-failures">failed</span>. ${escapeHtml(label)}</figcaption></figure>`;
}

/**
 * Attributes whose values are reference data, not a person's (a country, a site, a department):
 * the page shows what Entra sent for them, unless log.maskFields names them.
 */
const REFERENCE_ATTRIBUTES = /(country|region|locality|department|location|costCenter|organization|division|title)$/i;

function healthSection(report: HealthReport, maskFields: readonly string[]): string {
  const user = (u: FailingUser) => shownUserName(u.userName, maskFields) || (u.bisId ? `BIS id ${u.bisId}` : "(unnamed)");
  const masked = maskMatcher(maskFields);
  const groups = report.groups
    .map((g) => {
      const names = g.users.slice(0, 5).map(user).join(", ") + (g.users.length > 5 ? `, and ${g.users.length - 5} more` : "");
      const shown = g.values.filter((v) => REFERENCE_ATTRIBUTES.test(v.attribute) && !masked(v.attribute));
      const values = shown.length ? `<br>Entra sent: ${shown.slice(0, 5).map((v) => `${escapeHtml(JSON.stringify(v.value))} (${v.users})`).join(", ")}${shown.length > 5 ? `, and ${shown.length - 5} more` : ""}` : "";
      return `<li><strong>${g.users.length} user${g.users.length === 1 ? "" : "s"} failing</strong>: ${escapeHtml(g.reason)}${values}<br>Fix: ${escapeHtml(g.fix)}<br><span class="names">${escapeHtml(names)}</span></li>`;
    })
    .join("\n");
  const cycleRows = report.cycles.slice(0, 10).map((c) => [c.number, time(c.started), c.probed ? "Entra's probe" : "after a quiet spell", time(c.lastEvent), c.events, c.failures, c.events ? percent(c.failures / c.events) : ""]);
  const escrowRows = report.escrow.map((u) => [user(u), u.bisId ?? "", u.cycles, time(u.lastFailed), u.reason, u.fix]);
  const w = report.window;
  return `<section id="health" aria-labelledby="health-heading">
<h2 id="health-heading">Provisioning health</h2>
<p id="health-state" class="state ${STATE_CLASS[report.state]}">${escapeHtml(report.state[0]!.toUpperCase() + report.state.slice(1))}</p>
${report.reasons.length ? `<ul id="health-reasons">${report.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join("")}</ul>` : ""}
<p id="health-window">Last ${w.hours} h: ${w.events} events, ${w.failures} failed (${percent(w.share)}). Entra quarantines the job past ${percent(ENTRA_QUARANTINE.failedShare)} failed once failures reach ${ENTRA_QUARANTINE.evaluatedFrom.toLocaleString("en")}, or past ${ENTRA_QUARANTINE.failures.toLocaleString("en")} failures.</p>
</section>
<section id="to-fix" aria-labelledby="to-fix-heading">
<h2 id="to-fix-heading">What to fix</h2>
${groups ? `<ul id="error-groups">\n${groups}\n</ul>\n<p><a href="/status/failing-users.csv" download>Every failing user (CSV)</a></p>` : `<p class="empty" id="error-groups">No user's last write failed.</p>`}
<h3>Escrow: refused cycle after cycle</h3>
${table("Users Entra keeps retrying (it gives up after 28 days)", "escrow", ["User", "BIS id", "Cycles refused", "Last refused", "Reason", "Fix"], escrowRows, "No user has been refused in more than one cycle.")}
</section>
<h2>Requests over the last ${w.hours} hours</h2>
${hourlyChart(report.hourly)}
<h2>Entra's cycles</h2>
${table("Cycles recognised from the traffic, newest first", "cycles", ["Cycle", "Started", "Opened by", "Last request", "Events", "Failed", "Share"], cycleRows, "No cycle seen since start.")}`;
}

/** Every failing user as CSV rows (userName masked as the page shows it). */
export function failingUsersCsv(report: HealthReport, maskFields: readonly string[]): string {
  const quote = (value: unknown) => {
    const text = String(value ?? "");
    // A leading = + - @ would be a formula in a spreadsheet.
    const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const rows = report.groups.flatMap((g) => g.users.map((u) => [shownUserName(u.userName, maskFields), u.bisId ?? "", u.status, u.reason, u.detail, u.fix, u.cycles, u.firstFailed.toISOString(), u.lastFailed.toISOString()]));
  return [["userName", "bisId", "status", "reason", "detail", "fix", "cyclesRefused", "firstFailed", "lastFailed"], ...rows].map((r) => r.map(quote).join(",")).join("\r\n") + "\r\n";
}

export function renderStatusPage(sources: StatusSources, now = new Date(), viewer: { readonly signOutToken?: string } = {}): string {
  const probe = sources.probe.last;
  const health = sources.health.report(now, probe?.up);
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
  const unknownRows = sources.unknownValues.list().map((u) => [u.attribute, u.value, u.users, u.bisIds.join(", ") + (u.users > u.bisIds.length ? ", ..." : ""), time(u.lastSeen)]);
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
  return consolePage(
    "bis-scim-bridge status",
    "bis-scim-bridge status",
    `<p class="generated">Generated ${escapeHtml(time(now))} by this replica.</p>
${viewer.signOutToken ? `<form method="post" action="/signout" id="sign-out"><input type="hidden" name="_csrf" value="${escapeHtml(viewer.signOutToken)}"><button type="submit">Sign out</button></form>` : ""}
${healthSection(health, sources.maskFields)}
<h2>Backend</h2>
${backend}
<h2>Recent operations</h2>
${table("Last SCIM operations, newest first", "operations", ["Time", "Method", "Operation", "Status", "BIS id", "Duration", "Request id"], operations.map(operationRow), "No SCIM operations since start.")}
<h2>Recent errors</h2>
${table("Operations answered with an error status", "errors", ["Time", "Method", "Operation", "Status", "BIS id", "Duration", "Request id"], errors.map(operationRow), "No errors among the recent operations.")}
<h2>Names BIS does not know</h2>
${unknownRows.length ? `<p id="unknown-fix">These users were provisioned with the attribute left empty. Add each name to BIS (or correct it in Entra), then provision the users again (Entra: Provision on demand).</p>` : ""}
${table("Lookup names Entra sent that BIS does not know (missing: empty)", "unknown-values", ["Attribute", "Name sent", "Users", "BIS ids", "Last seen"], unknownRows, "Every lookup name Entra sent is known to BIS.")}
<h2>Jobs</h2>
${table("Scheduled jobs and their last run on this replica", "jobs", ["Job", "Schedule", "Runs on", "Last run", "Result", "Error"], jobRows, "No jobs are enabled.")}
<h2>Reconciliation</h2>
${reconciliation}
`,
  );
}

const STYLESHEET = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;max-width:72rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%}caption{text-align:left;color:#57606a;padding:.2rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}th{background:#f6f8fa}
.up{color:#1a7f37;font-weight:600}.down{color:#cf222e;font-weight:600}.risk{color:#9a6700;font-weight:600}.empty,.generated{color:#57606a}
.state{font-size:1.3rem;margin:.4rem 0}#error-groups li{margin:.4rem 0}.names{color:#57606a}
#hourly{margin:0}#hourly svg{border:1px solid #d0d7de;background:#fff}#hourly figcaption{color:#57606a}
rect.events{fill:#8c959f}rect.failures{fill:#cf222e}line.axis{stroke:#57606a}.key-events{color:#57606a}.key-failures{color:#cf222e}
`;

/** `guard` is the same allow-list, throttle and bearer check the SCIM routes use. */
export function statusRoutes(guard: readonly RequestHandler[], sources: StatusSources, signOutToken?: (req: Request) => string | undefined): Router {
  const router = Router();
  router.get("/status.css", (_req, res) => {
    res.type("text/css").setHeader("Cache-Control", "no-cache").send(STYLESHEET);
  });
  router.get("/status", ...guard, (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.type("html").send(renderStatusPage(sources, new Date(), { signOutToken: signOutToken?.(req) }));
  });
  router.get("/status/failing-users.csv", ...guard, (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("Content-Disposition", 'attachment; filename="failing-users.csv"');
    res.type("text/csv").send(failingUsersCsv(sources.health.report(new Date(), sources.probe.last?.up), sources.maskFields));
  });
  return router;
}
