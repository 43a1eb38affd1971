/**
 * The bench commands run end to end at a small size, so a change to the bridge, the bench or
 * its servers cannot break them unnoticed: `npm run bench` on SQLite (seed, flatness check, the
 * Entra cycles, direct and HTTP floor), `npm run bench:http` (its three servers) and `npm run
 * bench:readiness` (the readiness command on a seeded BIS). Timings are
 * not asserted; a bench run is not a test of speed. The first two fail (exit 1) when any request
 * of a measured phase fails, which is what these tests check, with the tables they print.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { ROOT } from "../support/paths.js";

const run = (script: string, args: readonly string[]) =>
  promisify(execFile)("npm", ["run", "--silent", script, "--", ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
  );

it("npm run bench measures a small SQLite BIS and finds the filter flat", { timeout: 240_000 }, async () => {
  const { code, stdout, stderr } = await run("bench", ["--engines", "sqlite", "--sizes", "300,600", "--duration", "1", "--concurrency", "2", "--no-docs"]);
  expect(code, `${stdout}\n${stderr}`).toBe(0);
  expect(stderr).not.toMatch(/FAIL/);
  // The summary row of each size: the filter's cost judged flat, on the index.
  expect(stdout).toMatch(/\| sqlite \| 300 \|.*\| yes \(/);
  expect(stdout).toMatch(/\| sqlite \| 600 \|.*\| yes \(/);
  expect(stdout).toContain("SEARCH u USING INDEX IX_Users_Email");
  // Every phase of the bridge, the direct calls and the HTTP floor reported, none with failures.
  for (const phase of ["initial cycle", "incremental cycle", "filter userName eq", "GET /Users/{id}", "PATCH familyName"]) expect(stdout).toContain(`| ${phase} |`);
  expect(stdout).toMatch(/\| patch \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
  expect(stdout).not.toContain("FAILURES");
});

it("npm run bench:http drives its three servers and reports each request", { timeout: 120_000 }, async () => {
  const { code, stdout, stderr } = await run("bench:http", ["--rounds", "1", "--duration", "1", "--concurrency", "2"]);
  expect(code, `${stdout}\n${stderr}`).toBe(0);
  for (const request of ["GET /Users/{id}", "filter userName eq", "PATCH familyName"]) {
    expect(stdout).toMatch(new RegExp(`\\| ${request.replace(/[{}/]/g, "\\$&")} \\| \\d+ us, .* \\| \\d+ us, .* \\| \\d+ us, .* \\| -?\\d+ us \\| -?\\d+ us \\|`));
  }
  expect(stdout).not.toContain("FAILURES");
});

it("npm run bench:readiness runs the readiness command on a seeded SQLite BIS and reports its outcomes", { timeout: 120_000 }, async () => {
  const { code, stdout, stderr } = await run("bench:readiness", ["--engines", "sqlite", "--size", "500", "--no-docs"]);
  expect(code, `${stdout}\n${stderr}`).toBe(0);
  const line = stdout.match(/^sqlite +500 tenant x 500 BIS users: [\d.]+ s, peak [\d.]+ GB; match (\d+), create (\d+), ambiguous (\d+), refused (\d+), conflict (\d+), untouched (\d+)$/m);
  expect(line, stdout).not.toBeNull();
  const [match, create, ambiguous, refused] = line!.slice(1, 5).map(Number);
  // 90% bring a seeded mailbox (some of those deleted or shared in BIS), 10% are new.
  expect(match).toBeGreaterThan(400);
  expect(create).toBeGreaterThanOrEqual(50);
  expect(ambiguous).toBeGreaterThan(0);
  expect(match! + create! + ambiguous! + refused! + Number(line![5])).toBe(500);
});
