/** Every scheduled job of the bridge, built from the `jobs:` config section: the one list. */
import type { JobsConfig } from "../config/config-schema.js";
import { backendProbeJob, type BackendProbe } from "./backend-probe.js";
import { reconciliationJob, type Reconciliation } from "./reconciliation.js";
import type { Job } from "./scheduler.js";
import { terminationDatesJob, type TerminationDeps } from "./termination-dates.js";

export interface JobSources extends TerminationDeps {
  readonly probe: BackendProbe;
  readonly reconciliation: Reconciliation;
}

export function configuredJobs(config: JobsConfig, sources: JobSources): Job[] {
  const jobs: Job[] = [];
  if (config.backendProbe.enabled) jobs.push(backendProbeJob(sources.probe, config.backendProbe.schedule));
  if (config.terminationDates.enabled) jobs.push(terminationDatesJob(config.terminationDates.schedule, sources));
  if (config.reconciliation.enabled) jobs.push(reconciliationJob(config.reconciliation.schedule, sources.reconciliation));
  return jobs;
}
