/**
 * Runs the scheduled jobs with node-cron. Within one process a job never overlaps itself; a job
 * marked `exclusive` also runs on one replica only: it takes the store's try-lock and keeps it
 * until the schedule's next tick, so a replica whose clock fires a moment later skips that tick.
 * Every run is counted in bis_bridge_job_runs_total{job,result}.
 */
import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "../ops/logger.js";
import type { BridgeMetrics } from "../ops/metrics.js";
import type { UserStore } from "../store/user-store.js";

export interface Job {
  readonly name: string;
  readonly schedule: string;
  /** One replica at a time (through the store's lock); false for per-replica work (the probe). */
  readonly exclusive: boolean;
  run(): Promise<void>;
}

export type JobResult = "success" | "failure" | "skipped";

export interface JobRun {
  readonly job: string;
  readonly result: JobResult;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly error?: string;
}

export interface SchedulerDeps {
  readonly store: () => Pick<UserStore, "runExclusive">;
  readonly metrics: BridgeMetrics;
  readonly logger: Logger;
  readonly jitterSeconds?: number;
}

export interface Scheduler {
  start(): void;
  /** Stops the schedules and waits for running jobs (a held lock is released at once). */
  stop(): Promise<void>;
  /** Runs a job now as a tick would, holding an exclusive job's lock until `holdUntil`. */
  runNow(name: string, holdUntil?: Date): Promise<JobResult>;
  /** The latest runs, newest first. */
  readonly history: readonly JobRun[];
}

const HISTORY = 50;

export function createScheduler(jobs: readonly Job[], deps: SchedulerDeps): Scheduler {
  const tasks: ScheduledTask[] = [];
  const running = new Map<string, Promise<JobResult>>();
  const history: JobRun[] = [];
  const stopping = new AbortController();

  const record = (run: JobRun) => {
    history.unshift(run);
    history.length = Math.min(history.length, HISTORY);
    deps.metrics.jobRuns.inc({ job: run.job, result: run.result });
    if (run.result !== "skipped") deps.metrics.jobLastRun.set({ job: run.job }, run.startedAt.getTime() / 1000);
    const meta = { job: run.job, result: run.result, durationMs: run.durationMs, ...(run.error && { error: run.error }) };
    if (run.result === "failure") deps.logger.warn("job failed", meta);
    else deps.logger.debug("job run", meta);
  };

  async function execute(job: Job, holdUntil: Date | undefined): Promise<JobResult> {
    const startedAt = new Date();
    let recorded: JobResult | undefined;
    // Recorded once, when the job's own work ends: an exclusive job then still holds its lock to
    // the next tick, but /status and the metrics show the run at once, not a tick late.
    const finish = (result: JobResult, caught?: unknown): JobResult => {
      if (recorded) return recorded;
      const error = caught === undefined ? undefined : caught instanceof Error ? caught.message : String(caught);
      record({ job: job.name, result, startedAt, durationMs: Date.now() - startedAt.getTime(), ...(error && { error }) });
      return (recorded = result);
    };
    try {
      const runExclusive = deps.store().runExclusive?.bind(deps.store());
      if (job.exclusive && runExclusive) {
        let late = false;
        const ran = await runExclusive(job.name, async () => {
          // Taken after this tick's hold ended (a slow lock under load): the replica that ran the
          // tick has let go already, so running now would run the tick twice.
          if (holdUntil && Date.now() >= holdUntil.getTime()) {
            late = true;
            return;
          }
          await job.run();
          finish("success");
          await waitUntil(holdUntil, stopping.signal);
        });
        return ran && !late ? finish("success") : finish("skipped");
      }
      await job.run();
      return finish("success");
    } catch (caught) {
      return finish("failure", caught);
    }
  }

  function fire(job: Job, holdUntil: Date | undefined): Promise<JobResult> {
    const current = running.get(job.name);
    if (current) return current.then(() => "skipped" as const); // no overlapping runs in one process
    const run = execute(job, holdUntil).finally(() => running.delete(job.name));
    running.set(job.name, run);
    return run;
  }

  return {
    start() {
      for (const job of jobs) {
        const task = cron.schedule(
          job.schedule,
          async () => {
            const next = task.getNextRun();
            // Hold the lock to just before the next tick (the end of this tick's time bucket):
            // replicas' clocks differ by far less than the margin, so no bucket runs twice.
            const holdUntil = next ? new Date(next.getTime() - Math.min(1000, (next.getTime() - Date.now()) / 10)) : undefined;
            const jitter = Math.random() * (deps.jitterSeconds ?? 0) * 1000;
            if (jitter > 0) await waitUntil(new Date(Date.now() + jitter), stopping.signal);
            if (stopping.signal.aborted) return;
            await fire(job, holdUntil);
          },
          { name: `bis-bridge:${job.name}`, noOverlap: true },
        );
        tasks.push(task);
      }
    },
    async stop() {
      stopping.abort();
      await Promise.all(tasks.map((task) => task.destroy()));
      await Promise.allSettled(running.values());
    },
    runNow: (name, holdUntil) => {
      const job = jobs.find((candidate) => candidate.name === name);
      if (!job) throw new Error(`no job named ${name}`);
      return fire(job, holdUntil);
    },
    history,
  };
}

/** Resolves at `until`, or at once when the signal aborts (shutdown). */
export function waitUntil(until: Date | undefined, signal: AbortSignal): Promise<void> {
  const ms = until ? until.getTime() - Date.now() : 0;
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
