/**
 * Prometheus metrics: SCIM requests by operation and status, their latency, and BIS backend
 * failures, plus Node's process metrics. One registry per bridge, so tests can run several.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export interface BridgeMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"operation" | "status">;
  readonly latency: Histogram<"operation">;
  readonly backendErrors: Counter<"reason">;
}

export function createMetrics(): BridgeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "bis_bridge_" });
  return {
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
  };
}
