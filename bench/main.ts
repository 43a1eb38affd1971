/**
 * `npm run bench`: for each engine and size, seed BIS, start the bridge in its own process,
 * replay Entra's cycles over HTTP, do the same operations directly and through a bare HTTP
 * server (the HTTP floor), and compare. Exits 1 when the userName filter's cost grows with the
 * table, or when the bridge (or the floor) answered with errors.
 */
import type { Knex } from "knex";
import { startBridgeProcess, startFloorProcess, type BridgeHandle, type ServerHandle } from "./bridge-client.js";
import { createBenchDatabase, serverUrl, type BenchDatabase } from "./databases.js";
import { directOperations, runDirectPhase, type DirectOperation } from "./direct.js";
import { loadAverage, machineFacts, writeResults } from "./docs-results.js";
import { incrementalCycle, initialCycle, measuredPhase, runHttpPhase, singleOperations, UserPicker, type Scenario } from "./entra-cycle.js";
import { explainFilter, filterLatencyRound, FLATNESS_ROUNDS, judgeFlatness, type FlatnessSample } from "./flatness.js";
import { median } from "./latencies.js";
import { ENGINES, parseOptions, type BenchEngine, type BenchOptions } from "./options.js";
import { sizeSection, summaryTable, type EngineVerdict, type MeasuredPhase, type SizeResult } from "./report.js";
import { seedUsers } from "./seed.js";

const OPERATIONS: readonly DirectOperation[] = ["filter", "get", "patch"];
/** Unmeasured seconds of load before measuring, per engine (warmUp). */
interface WarmUp {
  /** A freshly started process (the bridge, the HTTP floor), with filters. */
  readonly server: number;
  /** The same requests just before each measured direct and HTTP floor phase. */
  readonly phase: number;
  /** The same requests just before each measured bridge phase (0: none, the bridge is warm from the flatness rounds). */
  readonly bridgePhase: number;
}

const WARM_UP: WarmUp = { server: 2, phase: 1, bridgePhase: 0 };
/**
 * Babelfish (what the mssql engine runs on here) parses and plans every statement afresh on each
 * new connection: about 0.25 s per statement text per connection, measured; a new connection
 * costs 0.15 s more. The pools (min 0) close connections idle for 30 s, so a size measured after
 * another starts cold, and a cold bridge answered nothing in its first 3 s of initial cycles and
 * took some 10 s to settle. Every measured phase is therefore preceded by 8 s of the same load.
 * (SQL Server compiles a statement once for all connections, into its plan cache.)
 */
const MSSQL_WARM_UP: WarmUp = { server: 2, phase: 8, bridgePhase: 8 };
const warmUp = (engine: BenchEngine): WarmUp => (engine === "mssql" ? MSSQL_WARM_UP : WARM_UP);
const log = (line: string) => console.log(line);
/** A measured HTTP phase's load: the bench's concurrency and phase length. */
const phaseLoad = (options: BenchOptions) => ({ connections: options.concurrency, durationSeconds: options.durationSeconds });

/** Removes what a run created even when it is interrupted. */
const cleanups = new Set<() => Promise<void>>();
process.once("SIGINT", async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  process.exit(130);
});

/** A bridge phase, after the engine's warm-up, logged. */
async function measured(bridge: BridgeHandle, scenario: Scenario, options: BenchOptions, warmUpSeconds: number): Promise<MeasuredPhase> {
  if (warmUpSeconds > 0) await runHttpPhase(bridge, scenario, { connections: options.concurrency, durationSeconds: warmUpSeconds });
  const phase = await measuredPhase(bridge, scenario, phaseLoad(options));
  log(`    ${phase.name.padEnd(20)} ${Math.round(phase.requestsPerSecond).toString().padStart(6)} req/s  p50 ${phase.latency.p50Ms.toFixed(2)} ms  p99 ${phase.latency.p99Ms.toFixed(2)} ms  ${phase.queriesPerRequest.toFixed(1)} queries/req  CPU ${phase.cpuMsPerRequest.toFixed(2)} ms/req${phase.failures ? `  FAILURES ${JSON.stringify(phase.statuses)}` : ""}`);
  return phase;
}

async function engineVersion(knex: Knex, engine: BenchEngine): Promise<string> {
  const query = { sqlite: "select sqlite_version() as v", postgres: "select current_setting('server_version') as v", mariadb: "select version() as v", mssql: "SELECT @@VERSION AS v" }[engine];
  const result = await knex.raw(query);
  const rows = engine === "sqlite" || engine === "mssql" ? result : engine === "postgres" ? result.rows : result[0];
  return engine === "mssql" ? mssqlVersion(String(rows[0].v)) : String(rows[0].v).split(/[ -]/)[0]!;
}

/**
 * @@VERSION's first line ("Microsoft SQL Server 2022 (RTM) - 16.0.1000.6 (X64)"). Babelfish's
 * first line claims SQL Server 12.0; its last line names Babelfish and the PostgreSQL under it.
 */
function mssqlVersion(text: string): string {
  const lines = text.split("\n").map((line) => line.trim());
  const babelfish = /^PostgreSQL ([\d.]+) .*\((Babelfish [\d.]+)\)$/.exec(lines.at(-1) ?? "");
  return babelfish ? `${babelfish[2]} on PostgreSQL ${babelfish[1]}` : lines[0]!;
}

/** One seeded database with its bridge running, kept up while the engine is measured. */
interface Prepared {
  readonly size: number;
  readonly db: BenchDatabase;
  readonly bridge: BridgeHandle;
  readonly picker: UserPicker;
  readonly seed: SizeResult["seed"];
}

async function prepare(engine: BenchEngine, size: number, options: BenchOptions): Promise<Prepared> {
  log(`\n== ${engine}, ${size.toLocaleString("en")} users`);
  const db = await createBenchDatabase(engine, `${engine}_${size}`);
  cleanups.add(db.drop);
  const seed = await seedUsers(db, size, log);
  log(`  seeded in ${seed.seconds.toFixed(1)} s`);
  const bridge = await startBridgeProcess(db.config, { profile: options.profile });
  cleanups.add(bridge.stop);
  const picker = new UserPicker(size);
  await runHttpPhase(bridge, singleOperations(picker).filter, { connections: options.concurrency, durationSeconds: warmUp(engine).server });
  return { size, db, bridge, picker, seed };
}

async function release(prepared: Prepared): Promise<void> {
  cleanups.delete(prepared.bridge.stop);
  cleanups.delete(prepared.db.drop);
  await prepared.bridge.stop();
  await prepared.db.drop();
}

/**
 * The filter's cost at every size, before any cycle adds users: plans, then sequential latency
 * rounds taken in turn from each size's bridge, so background load hits all sizes alike.
 */
async function sampleFlatness(all: readonly Prepared[]): Promise<FlatnessSample[]> {
  const samples = await Promise.all(all.map(async (p) => ({ plans: await explainFilter(p.db, p.bridge, p.picker), rounds: [] as number[] })));
  for (let round = 0; round < FLATNESS_ROUNDS; round += 1) {
    for (const [i, p] of all.entries()) samples[i]!.rounds.push(await filterLatencyRound(p.bridge, p.picker));
  }
  for (const [i, p] of all.entries()) {
    log(`  ${p.size.toLocaleString("en")} users: sequential userName filter median ${median(samples[i]!.rounds).toFixed(2)} ms; ${samples[i]!.plans.map((plan) => plan.detail).join(" | ")}`);
  }
  return samples;
}

async function measureSize(engine: BenchEngine, p: Prepared, flatness: FlatnessSample, options: BenchOptions): Promise<SizeResult> {
  log(`\n  ${engine}, ${p.size.toLocaleString("en")} users`);
  const single = singleOperations(p.picker);
  const { bridgePhase, phase } = warmUp(engine);
  const cycles = [await measured(p.bridge, initialCycle(p.picker), options, bridgePhase), await measured(p.bridge, incrementalCycle(p.picker), options, bridgePhase)];
  const operations = {} as Record<DirectOperation, MeasuredPhase>;
  for (const op of OPERATIONS) operations[op] = await measured(p.bridge, single[op], options, bridgePhase);
  const { maxRssKb } = await p.bridge.counters();
  const direct = {} as SizeResult["direct"];
  const work = directOperations(p.db, p.picker);
  for (const op of OPERATIONS) {
    await runDirectPhase(p.db, op, work[op], { concurrency: options.concurrency, durationSeconds: phase });
    direct[op] = await runDirectPhase(p.db, op, work[op], { concurrency: options.concurrency, durationSeconds: options.durationSeconds });
    log(`    direct ${op.padEnd(13)} ${Math.round(direct[op].requestsPerSecond).toString().padStart(6)} req/s  p50 ${direct[op].latency.p50Ms.toFixed(2)} ms  CPU ${direct[op].cpuMsPerRequest.toFixed(2)} ms/op  ratio bridge/direct ${(operations[op].latency.meanMs / direct[op].latency.meanMs).toFixed(2)}`);
  }
  const floor = await measureFloor(p, options, warmUp(engine));
  for (const op of OPERATIONS) {
    const f = floor[op];
    const ratios = `floor/direct ${(f.latency.meanMs / direct[op].latency.meanMs).toFixed(2)}  bridge/floor ${(operations[op].latency.meanMs / f.latency.meanMs).toFixed(2)}`;
    log(`    floor  ${op.padEnd(13)} ${Math.round(f.requestsPerSecond).toString().padStart(6)} req/s  p50 ${f.latency.p50Ms.toFixed(2)} ms  CPU ${f.cpuMsPerRequest.toFixed(2)} ms/req  ${f.queriesPerRequest.toFixed(1)} queries/req  ratio ${ratios}${f.failures ? `  FAILURES ${JSON.stringify(f.statuses)}` : ""}`);
  }
  return { engine, engineVersion: await engineVersion(p.db.knex, engine), size: p.size, seed: p.seed, flatness, cycles, operations, direct, floor, peakRssMb: maxRssKb / 1024 };
}

/**
 * The bench's three requests against the HTTP floor (http-floor.ts: a bare node:http server
 * doing direct.ts's queries), in a process of its own started for this database only.
 */
async function measureFloor(p: Prepared, options: BenchOptions, warm: WarmUp): Promise<SizeResult["floor"]> {
  const server = await startFloorProcess(p.db.config);
  cleanups.add(server.stop);
  try {
    const single = singleOperations(p.picker);
    // A fresh process: warmed up like the bridge in prepare(), or its first phase pays for JIT compilation.
    await runHttpPhase(server, single.filter, { connections: options.concurrency, durationSeconds: warm.server });
    const floor = {} as SizeResult["floor"];
    for (const op of OPERATIONS) {
      await runHttpPhase(server, single[op], { connections: options.concurrency, durationSeconds: warm.phase });
      floor[op] = { ...(await measuredPhase(server, single[op], phaseLoad(options))), name: `HTTP floor ${single[op].name}` };
    }
    return floor;
  } finally {
    cleanups.delete(server.stop);
    await server.stop();
  }
}

async function benchEngine(engine: BenchEngine, options: BenchOptions): Promise<SizeResult[]> {
  const prepared: Prepared[] = [];
  try {
    for (const size of options.sizes) prepared.push(await prepare(engine, size, options));
    const flatness = await sampleFlatness(prepared);
    const results: SizeResult[] = [];
    for (const [i, p] of prepared.entries()) results.push(await measureSize(engine, p, flatness[i]!, options));
    return results;
  } finally {
    for (const p of prepared) await release(p);
  }
}

/** The summary table, the verdicts that failed and each size's tables, under `heading`. */
function resultsText(heading: readonly string[], results: readonly SizeResult[], verdicts: readonly EngineVerdict[]): string {
  return [
    ...heading,
    "",
    summaryTable(results, verdicts),
    "",
    ...verdicts.flatMap((v) => (v.verdict.flat ? [] : [`**${v.engine}: filter cost grows with N** (${v.compared.join(" vs ")}): ${v.verdict.reasons.join("; ")}`, ""])),
    ...results.flatMap((r) => [sizeSection(r), ""]),
  ].join("\n");
}

/** When and on what an engine was measured: its block's heading in docs/performance.md. */
interface EngineRun {
  readonly engine: BenchEngine;
  readonly minutes: string;
  readonly loadBefore: string;
  readonly loadAfter: string;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const loadBefore = loadAverage();
  const results: SizeResult[] = [];
  const verdicts: EngineVerdict[] = [];
  const skipped: string[] = [];
  const runs: EngineRun[] = [];
  for (const engine of options.engines) {
    const { reason } = serverUrl(engine);
    if (reason) {
      skipped.push(`${engine}: ${reason}`);
      log(`\nskipping ${engine}: ${reason}`);
      continue;
    }
    const engineStarted = Date.now();
    const engineLoad = loadAverage();
    const own = await benchEngine(engine, options);
    results.push(...own);
    if (own.length >= 2) {
      const [small, large] = [own[0]!, own[1]!];
      verdicts.push({ engine, compared: [small.size, large.size], verdict: judgeFlatness({ size: small.size, sample: small.flatness }, { size: large.size, sample: large.flatness }) });
    }
    runs.push({ engine, minutes: ((Date.now() - engineStarted) / 60_000).toFixed(1), loadBefore: engineLoad, loadAfter: loadAverage() });
  }

  const failures = results.flatMap((r) => [...r.cycles, ...Object.values(r.operations), ...Object.values(r.floor)].filter((p) => p.failures > 0).map((p) => `${r.engine} ${r.size}: ${p.name} had ${p.failures} failed requests ${JSON.stringify(p.statuses)}`));
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const command = `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim().replace(/ --$/, "");
  const day = new Date().toISOString().slice(0, 10);
  const runLine = (what: string, took: string) => `${what} on ${day}, ${took} min: \`${command}\`, concurrency ${options.concurrency}, ${options.durationSeconds} s per phase.`;
  const machine = machineFacts();
  const section = resultsText(
    [runLine("Run", minutes), "", `Machine: ${machine}. Load average at start ${loadBefore}, at end ${loadAverage()}.`, ...(skipped.length ? ["", `Skipped: ${skipped.join("; ")}.`] : [])],
    results,
    verdicts,
  );
  log(`\n${section}`);
  // One block per engine measured: the docs keep the other engines' results from their own last run.
  const blocks = runs.map((run) => ({
    engine: run.engine,
    text: resultsText(
      [runLine(`**${run.engine}**: run`, run.minutes), "", `Machine: ${machine}. Load average at start ${run.loadBefore}, at end ${run.loadAfter}.`],
      results.filter((r) => r.engine === run.engine),
      verdicts.filter((v) => v.engine === run.engine),
    ),
  }));
  if (options.writeDocs && blocks.length > 0) {
    log(writeResults(blocks, ENGINES) ? `\nresults of ${runs.map((r) => r.engine).join(", ")} written to docs/performance.md (other engines' results kept)` : "\ndocs/performance.md has no results markers; not written");
  }

  const scans = verdicts.filter((v) => !v.verdict.flat);
  for (const v of scans) console.error(`\nFAIL ${v.engine}: the userName filter's cost grows with the table (${v.compared.join(" vs ")} users):\n  ${v.verdict.reasons.join("\n  ")}`);
  for (const failure of failures) console.error(`FAIL ${failure}`);
  if (verdicts.length === 0 && options.sizes.length < 2) log("\nflatness not checked: it needs two sizes (e.g. --sizes 10000,100000)");
  return scans.length > 0 || failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
