/**
 * /healthz: the process is alive. /readyz: BIS answers. /metrics: Prometheus text. None needs a
 * token (probes and scrapers carry none); they reveal no user data.
 */
import { Router } from "express";
import type { BackendProbe } from "../jobs/backend-probe.js";
import type { BridgeMetrics } from "../ops/metrics.js";
import type { UserStore } from "../store/user-store.js";

/** How old the scheduled probe's result may be for /readyz to answer from it without a ping. */
const PROBE_FRESH_MS = 30_000;

export function healthRoutes(store: Pick<UserStore, "ping">, metrics: BridgeMetrics, probe?: BackendProbe): Router {
  const router = Router();
  router.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    try {
      if (probe) {
        const result = await probe.current(PROBE_FRESH_MS);
        if (!result.up) throw new Error(result.error);
      } else {
        await store.ping();
      }
      res.json({ status: "ready", bis: "reachable" });
    } catch {
      res.status(503).setHeader("Retry-After", "10").json({ status: "not ready", bis: "unreachable" });
    }
  });
  return router;
}
