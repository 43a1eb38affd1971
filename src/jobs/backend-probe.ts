/**
 * The backend probe: pings BIS on its schedule and keeps the last result, which /readyz answers
 * from while fresh (it pings itself when the result is stale) and bis_bridge_backend_up shows.
 */
import type { BridgeMetrics } from "../ops/metrics.js";
import type { UserStore } from "../store/user-store.js";
import type { Job } from "./scheduler.js";

export interface ProbeResult {
  readonly up: boolean;
  readonly at: Date;
  readonly error?: string;
}

export interface BackendProbe {
  readonly last: ProbeResult | undefined;
  /** Pings now and records the result. */
  probe(): Promise<ProbeResult>;
  /** The last result if younger than maxAgeMs, else a fresh probe. */
  current(maxAgeMs: number): Promise<ProbeResult>;
}

export function createBackendProbe(store: () => Pick<UserStore, "ping">, metrics: BridgeMetrics): BackendProbe {
  let last: ProbeResult | undefined;
  const probe = async (): Promise<ProbeResult> => {
    try {
      await store().ping();
      last = { up: true, at: new Date() };
    } catch (error) {
      last = { up: false, at: new Date(), error: error instanceof Error ? error.message : String(error) };
    }
    metrics.backendUp.set(last.up ? 1 : 0);
    return last;
  };
  return {
    get last() {
      return last;
    },
    probe,
    current: async (maxAgeMs) => (last && Date.now() - last.at.getTime() <= maxAgeMs ? last : probe()),
  };
}

/** The probe as a job: every replica probes its own view of BIS, so it is not exclusive. */
export function backendProbeJob(probe: BackendProbe, schedule: string): Job {
  return {
    name: "backend-probe",
    schedule,
    exclusive: false,
    async run() {
      const result = await probe.probe();
      if (!result.up) throw new Error(result.error ?? "BIS unreachable");
    },
  };
}
