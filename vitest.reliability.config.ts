/**
 * `npm run test:reliability`: faults, load, concurrency and hostile input (test/reliability).
 * Files run one at a time (they time requests and load the machine); each appends its figures to
 * a results folder, and the table reporter prints one table at the end.
 * `npm run test:reliability -- --soak` (test/reliability/run.mjs sets RELIABILITY_SOAK_SECONDS=600)
 * runs the 10-minute soak; CI runs the short one.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

process.env.RELIABILITY_RESULTS_DIR ??= mkdtempSync(path.join(tmpdir(), "reliability-results-"));
const soakSeconds = Number(process.env.RELIABILITY_SOAK_SECONDS ?? 75);

export default defineConfig({
  test: {
    include: ["test/reliability/**/*.reliability.ts"],
    fileParallelism: false,
    testTimeout: 120_000 + soakSeconds * 1000,
    hookTimeout: 120_000,
    env: {
      RELIABILITY_RESULTS_DIR: process.env.RELIABILITY_RESULTS_DIR,
      RELIABILITY_SOAK_SECONDS: String(soakSeconds),
    },
    reporters: [
      "default",
      "./test/reliability/support/table-reporter.ts",
      ...(process.env.VITEST_JSON_REPORT ? [["json", { outputFile: process.env.VITEST_JSON_REPORT }] as [string, object]] : []),
    ],
  },
});
