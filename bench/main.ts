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
import { parseOptions, type BenchEngine, type BenchOptions } from "./options.js";
import { sizeSection, summaryTable, type EngineVerdict, type MeasuredPhase, type SizeResult } from "./report.js";
import { seedUsers } from "./seed.js";

const OPERATIONS: readonly DirectOperation[] = ["filter", "get", "patch"];
const WARM_UP_SECONDS = 2;
/** Warm-up before each direct and HTTP floor phase (not measured). */
const PHASE_WARM_UP_SECONDS = 1;
const log = (line: string) => console.log(line);
/** A measured HTTP phase's load: the bench's concurrency and phase length. */
const phaseLoad = (options: BenchOptions) => ({ connections: options.concurrency, durationSeconds: options.durationSeconds });

/** Removes what a run created even when it is interrupted. */
const cleanups = new Set<() => Promise<void>>();
process.once("SIGINT", async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  process.exit(130);
});

/** A bridge phase, logged. */
async function measured(bridge: BridgeHandle, scenario: Scenario, options: BenchOptions): Promise<MeasuredPhase> {
  const phase = await measuredPhase(bridge, scenario, phaseLoad(options));
  log(`    ${phase.name.padEnd(20)} ${Math.round(phase.requestsPerSecond).toString().padStart(6)} req/s  p50 ${phase.latency.p50Ms.toFixed(2)} ms  p99 ${phase.latency.p99Ms.toFixed(2)} ms  ${phase.queriesPerRequest.toFixed(1)} queries/req  CPU ${phase.cpuMsPerRequest.toFixed(2)} ms/req${phase.failures ? `  FAILURES ${JSON.stringify(phase.statuses)}` : ""}`);
  return phase;
}

async function engineVersion(knex: Knex, engine: BenchEngine): Promise<string> {
  const query = { sqlite: "select sqlite_version() as v", postgres: "select current_setting('server_version') as v", mariadb: "select version() as v" }[engine];
  const result = await knex.raw(query);
  const rows = engine === "sqlite" ? result : engine === "postgres" ? result.rows : result[0];
  return String(rows[0].v).split(/[ -]/)[0]!;
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
  await runHttpPhase(bridge, singleOperations(picker).filter, { connections: options.concurrency, durationSeconds: WARM_UP_SECONDS });
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
  const cycles = [await measured(p.bridge, initialCycle(p.picker), options), await measured(p.bridge, incrementalCycle(p.picker), options)];
  const operations = {} as Record<DirectOperation, MeasuredPhase>;
  for (const op of OPERATIONS) operations[op] = await measured(p.bridge, single[op], options);
  const { maxRssKb } = await p.bridge.counters();
  const direct = {} as SizeResult["direct"];
  const work = directOperations(p.db, p.picker);
  for (const op of OPERATIONS) {
    await runDirectPhase(p.db, op, work[op], { concurrency: options.concurrency, durationSeconds: PHASE_WARM_UP_SECONDS });
    direct[op] = await runDirectPhase(p.db, op, work[op], { concurrency: options.concurrency, durationSeconds: options.durationSeconds });
    log(`    direct ${op.padEnd(13)} ${Math.round(direct[op].requestsPerSecond).toString().padStart(6)} req/s  p50 ${direct[op].latency.p50Ms.toFixed(2)} ms  CPU ${direct[op].cpuMsPerRequest.toFixed(2)} ms/op  ratio bridge/direct ${(operations[op].latency.meanMs / direct[op].latency.meanMs).toFixed(2)}`);
  }
  const floor = await measureFloor(p, options);
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
async function measureFloor(p: Prepared, options: BenchOptions): Promise<SizeResult["floor"]> {
  const server = await startFloorProcess(p.db.config);
  cleanups.add(server.stop);
  try {
    const single = singleOperations(p.picker);
    // A fresh process: warmed up like the bridge in prepare(), or its first phase pays for JIT compilation.
    await runHttpPhase(server, single.filter, { connections: options.concurrency, durationSeconds: WARM_UP_SECONDS });
    const floor = {} as SizeResult["floor"];
    for (const op of OPERATIONS) {
      await runHttpPhase(server, single[op], { connections: options.concurrency, durationSeconds: PHASE_WARM_UP_SECONDS });
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

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const loadBefore = loadAverage();
  const results: SizeResult[] = [];
  const verdicts: EngineVerdict[] = [];
  const skipped: string[] = [];
  for (const engine of options.engines) {
    const { reason } = serverUrl(engine);
    if (reason) {
      skipped.push(`${engine}: ${reason}`);
      log(`\nskipping ${engine}: ${reason}`);
      continue;
    }
    const own = await benchEngine(engine, options);
    results.push(...own);
    if (own.length >= 2) {
      const [small, large] = [own[0]!, own[1]!];
      verdicts.push({ engine, compared: [small.size, large.size], verdict: judgeFlatness({ size: small.size, sample: small.flatness }, { size: large.size, sample: large.flatness }) });
    }
  }

  const failures = results.flatMap((r) => [...r.cycles, ...Object.values(r.operations), ...Object.values(r.floor)].filter((p) => p.failures > 0).map((p) => `${r.engine} ${r.size}: ${p.name} had ${p.failures} failed requests ${JSON.stringify(p.statuses)}`));
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const command = `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim().replace(/ --$/, "");
  const section = [
    `Run on ${new Date().toISOString().slice(0, 10)}, ${minutes} min: \`${command}\`, concurrency ${options.concurrency}, ${options.durationSeconds} s per phase.`,
    "",
    `Machine: ${machineFacts()}. Load average at start ${loadBefore}, at end ${loadAverage()}.`,
    ...(skipped.length ? ["", `Skipped: ${skipped.join("; ")}.`] : []),
    "",
    summaryTable(results, verdicts),
    "",
    ...verdicts.flatMap((v) => (v.verdict.flat ? [] : [`**${v.engine}: filter cost grows with N** (${v.compared.join(" vs ")}): ${v.verdict.reasons.join("; ")}`, ""])),
    ...results.flatMap((r) => [sizeSection(r), ""]),
  ].join("\n");
  log(`\n${section}`);
  if (options.writeDocs && results.length > 0) log(writeResults(section) ? "\nresults written to docs/performance.md" : "\ndocs/performance.md has no results markers; not written");

  const scans = verdicts.filter((v) => !v.verdict.flat);
  for (const v of scans) console.error(`\nFAIL ${v.engine}: the userName filter's cost grows with the table (${v.compared.join(" vs ")} users):\n  ${v.verdict.reasons.join("\n  ")}`);
  for (const failure of failures) console.error(`FAIL ${failure}`);
  if (verdicts.length === 0 && options.sizes.length < 2) log("\nflatness not checked: it needs two sizes (e.g. --sizes 10000,100000)");
  return scans.length > 0 || failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
