/**
 * Prints the reliability suite's one table when the run ends: per category the tests and the
 * cases tried and passed, per injected fault what was lost (must be 0), and the figures (soak).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Reporter, TestModule } from "vitest/node";
import { RESULTS_FILE, type CaseRecord, type FaultRecord, type FigureRecord, type ResultRecord } from "./results.js";

const CATEGORY_OF_FILE: Record<string, string> = {
  "hostile-input": "hostile input",
  auth: "auth",
  properties: "properties",
  concurrency: "concurrency",
  faults: "faults",
  soak: "soak",
};

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(" | ")} |`;
  return [line(cells[0]), `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`, ...cells.slice(1).map(line)].join("\n");
}

export function readResults(dir: string): ResultRecord[] {
  const file = path.join(dir, RESULTS_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as ResultRecord);
}

/** The table as markdown (it reads the same in a terminal and in docs/reliability.md). */
export function renderReport(records: readonly ResultRecord[], tests: ReadonlyMap<string, { passed: number; total: number }>): string {
  const cases = records.filter((r): r is CaseRecord => r.type === "cases");
  const faults = records.filter((r): r is FaultRecord => r.type === "fault");
  const figures = records.filter((r): r is FigureRecord => r.type === "figure");
  const categories = [...new Set([...tests.keys(), ...cases.map((c) => c.category)])];
  const categoryRows = categories.map((category) => {
    const mine = cases.filter((c) => c.category === category);
    const t = tests.get(category);
    const sum = (pick: (c: CaseRecord) => number) => mine.reduce((n, c) => n + pick(c), 0);
    return [category, t ? `${t.passed}/${t.total}` : "-", sum((c) => c.tried), sum((c) => c.passed), sum((c) => c.knownDefects ?? 0)];
  });
  const total = [2, 3, 4].map((column) => categoryRows.reduce((sum, row) => sum + Number(row[column]), 0));
  const parts = [
    "## Reliability: cases",
    "",
    table(["category", "tests passed", "cases tried", "cases passed", "of which known defects"], [...categoryRows, ["total", "", total[0], total[1], total[2]]]),
    "",
    "Known defects are cases run under it.fails: they fail today in files this suite may not change (see docs/reliability.md).",
  ];
  if (faults.length > 0) {
    parts.push(
      "",
      "## Reliability: faults (lost writes, half-written users and duplicates must be 0)",
      "",
      table(
        ["fault", "engine", "requests", "503+Retry-After", "hung", "lost writes", "half-written users", "duplicates", "recovered"],
        faults.map((f) => [f.fault, f.engine, f.requests, f.unavailable, f.hung, f.lostWrites, f.halfWritten, f.duplicates, f.recovered ? "yes" : "NO"]),
      ),
    );
  }
  if (figures.length > 0) {
    parts.push("", "## Reliability: figures", "", table(["category", "figure", "value"], figures.map((f) => [f.category, f.name, f.value])));
  }
  return parts.join("\n");
}

export default class ReliabilityTableReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const dir = process.env.RELIABILITY_RESULTS_DIR;
    if (!dir) return;
    const tests = new Map<string, { passed: number; total: number }>();
    for (const module of testModules) {
      const base = path.basename(module.moduleId).replace(/\.reliability\.ts$/, "");
      const category = CATEGORY_OF_FILE[base] ?? base;
      const entry = tests.get(category) ?? { passed: 0, total: 0 };
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "skipped") continue;
        entry.total += 1;
        if (state === "passed") entry.passed += 1;
      }
      tests.set(category, entry);
    }
    process.stdout.write(`\n${renderReport(readResults(dir), tests)}\n\n`);
  }
}
