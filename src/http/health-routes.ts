/** /healthz: the process is alive. /readyz: BIS answers. Neither needs a token. */
import { Router } from "express";
import type { UserStore } from "../store/user-store.js";

export function healthRoutes(store: Pick<UserStore, "ping">): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: "ready", bis: "reachable" });
    } catch {
      res.status(503).setHeader("Retry-After", "10").json({ status: "not ready", bis: "unreachable" });
    }
  });
  return router;
}
