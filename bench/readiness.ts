/**
 * `npm run bench:readiness`: the go-live readiness check at scale. Per engine: seed N BIS users,
 * write a tenant export of N users as the admin center's CSV (90% bring a seeded user's mailbox,
 * some in another case; 10% are new; 0.1% send a country name), run `readiness` as its own
 * process under GNU time, and report its wall time, peak memory (max RSS) and outcome counts.
 * Exits 1 when the command fails or its report does not hold every user.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { createBenchDatabase, serverUrl } from "./databases.js";
import { loadAverage, machineFacts } from "./docs-results.js";
import { ENGINES, positive, type BenchEngine } from "./options.js";
import { emailOf } from "./population.js";
import { seedUsers } from "./seed.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const DOC = path.join(ROOT, "docs", "performance.md");
const HEADING = "## Readiness: tenant users against BIS users (`npm run bench:readiness`)";
const OUTCOMES = ["match", "create", "ambiguous", "refused", "conflict"] as const;

interface Result {
  readonly engine: BenchEngine;
  readonly size: number;
  readonly seconds: number;
  readonly peakGb: number;
  readonly counts: Record<(typeof OUTCOMES)[number] | "untouched", number>;
}

/** Removes what a run created even when it is interrupted: newest first, so the command ends before its database is dropped. */
const cleanups = new Set<() => unknown>();
process.once("SIGINT", async () => {
  for (const cleanup of [...cleanups].reverse()) await Promise.resolve().then(cleanup).catch(() => undefined);
  process.exit(130);
});

const { values } = parseArgs({
  options: { engines: { type: "string" }, size: { type: "string", default: "100000" }, "no-docs": { type: "boolean", default: false }, profile: { type: "boolean", default: false } },
  strict: true,
});
/** --profile: the command runs with --cpu-prof; profiles go to bench/profiles/. */
const nodeFlags = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.join(path.resolve(import.meta.dirname), "profiles")}`] : [];
const size = positive("--size", values.size!);
const asked = values.engines ? values.engines.split(",") : [...ENGINES];
for (const engine of asked) if (!(ENGINES as readonly string[]).includes(engine)) throw new Error(`--engines: ${engine} is not one of ${ENGINES.join(", ")}`);

/** The tenant's users as the admin center's "Download users" CSV, written a row at a time. */
async function writeTenantExport(file: string, total: number): Promise<void> {
  const out = createWriteStream(file);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, "drain");
  };
  await write("userPrincipalName,mail,givenName,surname,objectId,jobTitle,department,accountEnabled,state,country,city,employeeId,mobile\n");
  for (let i = 1; i <= total; i++) {
    const fresh = i % 10 === 0;
    const seeded = emailOf(i);
    // Entra's spelling of a legacy mailbox differs in case now and then: one mailbox by the identity rule.
    const email = fresh ? `new.hire.${i}@contoso.com` : i % 7 === 0 ? seeded.toUpperCase() : seeded;
    const country = i % 1000 === 500 ? "United Kingdom" : "CA";
    const objectId = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    await write(`${email},${email},Test,User ${i},${objectId},Operator,Operations,True,AB,${country},Calgary,${fresh ? `N${i}` : `E${String(i).padStart(7, "0")}`},+1 403 555 ${String(i % 10_000).padStart(4, "0")}\n`);
  }
  out.end();
  await once(out, "finish");
}

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const _ of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) lines++;
  return lines;
}

/** Runs the command under GNU time: its exit code, stdout, and elapsed seconds and max RSS (KB) from time's last stderr line. */
async function timed(args: readonly string[]): Promise<{ code: number; stdout: string; seconds: number; maxRssKb: number; stderr: string }> {
  // A process group of its own: GNU time ignores SIGINT while it waits, so an interrupted bench ends
  // the group (time and the command) before it drops the command's database.
  const child = spawn("/usr/bin/time", ["-f", "TIME %e %M", process.execPath, ...nodeFlags, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const stop = () => process.kill(-child.pid!, "SIGTERM");
  cleanups.add(stop);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const [code] = (await once(child, "close")) as [number];
  cleanups.delete(stop);
  const measured = stderr.match(/TIME ([\d.]+) (\d+)\s*$/);
  if (!measured) throw new Error(`no measurement from /usr/bin/time: ${stderr.slice(-500)}`);
  return { code, stdout, seconds: Number(measured[1]), maxRssKb: Number(measured[2]), stderr };
}

async function run(engine: BenchEngine): Promise<Result | undefined> {
  const { reason } = serverUrl(engine);
  if (reason) {
    console.log(`${engine}: skipped (${reason})`);
    return undefined;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "bench-readiness-"));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  cleanups.add(removeDir);
  const db = await createBenchDatabase(engine, "readiness");
  cleanups.add(db.drop);
  try {
    await seedUsers(db, size, (line) => console.log(`  ${engine}: ${line}`));
    const users = path.join(dir, "tenant-users.csv");
    await writeTenantExport(users, size);
    const config = path.join(dir, "config.yaml");
    writeFileSync(config, stringify({ mapping: path.join(ROOT, "mappings/bis-reference.yaml"), store: db.config }));
    const report = path.join(dir, "report.csv");
    const result = await timed([path.join(ROOT, "bin/bis-scim-bridge.js"), "readiness", "--config", config, "--users", users, "--out", report]);
    // 1 is the command's own verdict (some users refused or ambiguous), not a failure.
    if (result.code !== 0 && result.code !== 1) throw new Error(`readiness exited ${result.code}: ${result.stderr.slice(-1000)}`);
    const count = (label: string) => Number(result.stdout.match(new RegExp(`^\\s+${label}\\s+(\\d+)`, "m"))?.[1] ?? NaN);
    const untouched = Number(result.stdout.match(/BIS users no tenant user matches: (\d+)/)?.[1] ?? NaN);
    const counts = { ...Object.fromEntries(OUTCOMES.map((o) => [o, count(o)])), untouched } as Result["counts"];
    const rows = (await countLines(report)) - 1;
    if (rows !== size + untouched) throw new Error(`${engine}: the report holds ${rows} rows, not ${size} tenant users + ${untouched} untouched`);
    const line: Result = { engine, size, seconds: result.seconds, peakGb: result.maxRssKb / 2 ** 20, counts };
    console.log(`${engine.padEnd(8)} ${size} tenant x ${size} BIS users: ${line.seconds.toFixed(1)} s, peak ${line.peakGb.toFixed(2)} GB; ${OUTCOMES.map((o) => `${o} ${counts[o]}`).join(", ")}, untouched ${counts.untouched}`);
    return line;
  } finally {
    cleanups.delete(db.drop);
    cleanups.delete(removeDir);
    await db.drop();
    removeDir();
  }
}

function writeDocs(results: readonly Result[]): void {
  const doc = readFileSync(DOC, "utf8");
  const rows = results.map((r) => `| ${r.engine} | ${r.size.toLocaleString("en")} | ${r.size.toLocaleString("en")} | ${r.seconds.toFixed(1)} | ${r.peakGb.toFixed(2)} GB | ${OUTCOMES.map((o) => `${o} ${r.counts[o].toLocaleString("en")}`).join(", ")}; untouched ${r.counts.untouched.toLocaleString("en")} |`);
  const section = `${HEADING}

\`readiness\` as its own process (under GNU time: wall time and max RSS) with the reference mapping,
against a BIS seeded as \`npm run bench\` seeds it; the tenant export is the admin center's CSV:
90% of the users bring a seeded user's mailbox (every seventh in upper case), 10% are new, 0.1%
send a country name. Measured ${new Date().toISOString().slice(0, 10)}; ${machineFacts()}; load average ${loadAverage()}.

| engine | tenant users | BIS users | seconds | peak memory | outcomes |
|---|---:|---:|---:|---:|---|
${rows.join("\n")}
`;
  const start = doc.indexOf(HEADING);
  if (start < 0) {
    writeFileSync(DOC, `${doc.trimEnd()}\n\n${section}`);
    return;
  }
  const next = doc.indexOf("\n## ", start + HEADING.length);
  writeFileSync(DOC, `${doc.slice(0, start)}${section}${next < 0 ? "" : doc.slice(next)}`);
}

const results: Result[] = [];
for (const engine of asked as BenchEngine[]) {
  const result = await run(engine);
  if (result) results.push(result);
}
if (!values["no-docs"] && results.length > 0) writeDocs(results);
