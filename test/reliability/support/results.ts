/**
 * Figures the reliability suite reports: every test file appends JSON lines to one file in the
 * run's results folder (set by vitest.reliability.config.ts); the table reporter prints them.
 */
import { appendFileSync } from "node:fs";
import path from "node:path";

export type Category = "hostile input" | "auth" | "properties" | "concurrency" | "faults" | "soak";

export interface CaseRecord {
  readonly type: "cases";
  readonly category: Category;
  readonly name: string;
  readonly tried: number;
  readonly passed: number;
  /** Of those tried, cases of a known defect (run under it.fails, in files this suite may not change). */
  readonly knownDefects?: number;
}

/** What one injected fault cost: every count but `requests` must be 0. */
export interface FaultRecord {
  readonly type: "fault";
  readonly fault: string;
  readonly engine: string;
  /** Requests sent while the fault was in force. */
  readonly requests: number;
  /** Of those, answered 503 with Retry-After (the rest succeeded or were refused for cause). */
  readonly unavailable: number;
  /** Requests that hung past the deadline (never answered in time). */
  readonly hung: number;
  /** Acknowledged (2xx) writes missing from BIS afterwards. */
  readonly lostWrites: number;
  /** Users whose rows are partly written (a user row without its phone rows, or the reverse). */
  readonly halfWritten: number;
  /** Users BIS holds more than once for one e-mail. */
  readonly duplicates: number;
  /** Whether the bridge served again by itself once the fault was lifted, and retries succeeded once. */
  readonly recovered: boolean;
}

export interface FigureRecord {
  readonly type: "figure";
  readonly category: Category;
  readonly name: string;
  readonly value: string;
}

export type ResultRecord = CaseRecord | FaultRecord | FigureRecord;

export const RESULTS_FILE = "reliability-results.jsonl";

function append(record: ResultRecord): void {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (!dir) return; // run outside the reliability config: nothing to report to
  appendFileSync(path.join(dir, RESULTS_FILE), `${JSON.stringify(record)}\n`);
}

export function recordCases(category: Category, name: string, tried: number, passed: number, knownDefects = 0): void {
  append({ type: "cases", category, name, tried, passed, ...(knownDefects && { knownDefects }) });
}

export function recordFault(record: Omit<FaultRecord, "type">): void {
  append({ type: "fault", ...record });
}

export function recordFigure(category: Category, name: string, value: string): void {
  append({ type: "figure", category, name, value });
}
