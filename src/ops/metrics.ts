/**
 * Prometheus metrics: SCIM requests by operation and status, their latency, and BIS backend
 * failures, plus Node's process metrics. One registry per bridge, so tests can run several.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PoolStats } from "../store/user-store.js";
import type { HealthReport } from "./provisioning-health.js";

export interface BridgeMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"operation" | "status">;
  readonly latency: Histogram<"operation">;
  readonly backendErrors: Counter<"reason">;
  /** Scheduled job runs: result is success, failure or skipped (another replica had the lock). */
  readonly jobRuns: Counter<"job" | "result">;
  readonly jobLastRun: Gauge<"job">;
  /** 1 when the last backend probe reached BIS, 0 when it failed. */
  readonly backendUp: Gauge;
  /** The last reconciliation report's counts, by kind of finding. */
  readonly reconciliation: Gauge<"kind">;
  /** Lookup names BIS does not know, left empty on a user (`missing: empty`), by lookup. */
  readonly unknownLookupValues: Counter<"lookup">;
  /** Where the pool gauges read from at scrape time (the current store's pool). */
  poolSource?: () => PoolStats | undefined;
  /** Where the provisioning health gauges read from at scrape time. */
  healthSource?: () => HealthReport;
}

export function createMetrics(): BridgeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "bis_bridge_" });
  const metrics: BridgeMetrics = {
    registry,
    requests: new Counter({
      name: "bis_bridge_requests_total",
      help: "HTTP requests answered, by SCIM operation and status code",
      labelNames: ["operation", "status"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "bis_bridge_request_duration_seconds",
      help: "Time to answer a request, by SCIM operation",
      labelNames: ["operation"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    backendErrors: new Counter({
      name: "bis_bridge_backend_errors_total",
      help: "Requests that failed because BIS could not be reached or timed out",
      labelNames: ["reason"],
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: "bis_bridge_job_runs_total",
      help: "Scheduled job runs, by job and result (success, failure, skipped)",
      labelNames: ["job", "result"],
      registers: [registry],
    }),
    jobLastRun: new Gauge({
      name: "bis_bridge_job_last_run_timestamp_seconds",
      help: "When each job last ran on this replica (Unix time)",
      labelNames: ["job"],
      registers: [registry],
    }),
    reconciliation: new Gauge({
      name: "bis_bridge_reconciliation_findings",
      help: "Findings of the last reconciliation report, by kind",
      labelNames: ["kind"],
      registers: [registry],
    }),
    unknownLookupValues: new Counter({
      name: "bis_bridge_unknown_lookup_values_total",
      help: "Writes that left a lookup column empty because BIS does not know the name sent (missing: empty), by lookup",
      labelNames: ["lookup"],
      registers: [registry],
    }),
    backendUp: new Gauge({ name: "bis_bridge_backend_up", help: "1 when the last probe reached BIS, else 0", registers: [registry] }),
  };
  /** A gauge read at scrape time from what `source` holds then (nothing set when it holds nothing). */
  const sourced = <T>(name: string, help: string, source: () => T | undefined, read: (value: T) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const value = source();
        if (value !== undefined) this.set(read(value));
      },
    });
  const health = (name: string, help: string, read: (report: HealthReport) => number) => sourced(name, help, () => metrics.healthSource?.(), read);
  health("bis_bridge_provisioning_state", "Provisioning health as Entra will judge it: 0 healthy, 1 at risk, 2 quarantine likely", (r) => ["healthy", "at risk", "quarantine likely"].indexOf(r.state));
  health("bis_bridge_provisioning_events", "Entra's events (writes and failed reads of one user) in the health window", (r) => r.window.events);
  health("bis_bridge_provisioning_failures", "Failed events in the health window", (r) => r.window.failures);
  health("bis_bridge_provisioning_failure_ratio", "Share of events failed in the health window (Entra quarantines past 0.4)", (r) => r.window.share);
  health("bis_bridge_provisioning_cycle_failure_ratio", "Share of events failed in the latest Entra cycle with events", (r) => {
    const latest = r.cycles.find((c) => c.events > 0);
    return latest ? latest.failures / latest.events : 0;
  });
  health("bis_bridge_provisioning_escrow_users", "Users refused in several cycles without a success since (Entra's escrow)", (r) => r.escrow.length);
  health("bis_bridge_provisioning_failing_users", "Users whose last write failed", (r) => r.groups.reduce((n, g) => n + g.users.length, 0));
  const pool = (name: string, help: string, read: (stats: PoolStats) => number) => sourced(name, help, () => metrics.poolSource?.(), read);
  pool("bis_bridge_pool_connections_used", "Database connections in use", (s) => s.used);
  pool("bis_bridge_pool_connections_free", "Idle database connections in the pool", (s) => s.free);
  pool("bis_bridge_pool_pending_acquires", "Requests waiting for a database connection", (s) => s.pending);
  return metrics;
}
