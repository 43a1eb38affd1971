/** Every scheduled job of the bridge, built from the `jobs:` config section: the one list. */
import type { JobsConfig } from "../config/config-schema.js";
import { backendProbeJob, type BackendProbe } from "./backend-probe.js";
import { reconciliationJob, type Reconciliation } from "./reconciliation.js";
import type { Job } from "./scheduler.js";
import { terminationDatesJob, type TerminationDeps } from "./termination-dates.js";
import type { Notifier } from "../ops/notifications.js";

export interface JobSources extends TerminationDeps {
  readonly probe: BackendProbe;
  readonly reconciliation: Reconciliation;
  /** The notifier and its schedules (config `notify:`), when a channel is configured. */
  readonly notifications?: { readonly notifier: Notifier; readonly check: string; readonly digest: string };
}

export function configuredJobs(config: JobsConfig, sources: JobSources): Job[] {
  const jobs: Job[] = [];
  if (config.backendProbe.enabled) jobs.push(backendProbeJob(sources.probe, config.backendProbe.schedule));
  if (config.terminationDates.enabled) jobs.push(terminationDatesJob(config.terminationDates.schedule, sources));
  if (config.reconciliation.enabled) jobs.push(reconciliationJob(config.reconciliation.schedule, sources.reconciliation));
  const notifications = sources.notifications;
  if (notifications?.notifier.enabled) {
    // Each replica judges the requests it answers, so each checks; the digest comes from one.
    jobs.push({ name: "notification-check", schedule: notifications.check, exclusive: false, run: () => notifications.notifier.check() });
    if (notifications.digest) jobs.push({ name: "notification-digest", schedule: notifications.digest, exclusive: true, run: () => notifications.notifier.digest() });
  }
  return jobs;
}
