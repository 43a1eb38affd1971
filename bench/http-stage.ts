/**
 * `npm run bench:http`: what the bridge's own HTTP, SCIM and mapping stages cost per request,
 * without a database. Three servers, each in a process of its own, answer the bench's three
 * requests (GET by id, `userName eq` filter, PATCH name.familyName) for the same users held in
 * memory (stage-server.ts): a bare node:http server, express with one route per request, and
 * the bridge's own app over a store that answers at once (memory-store.ts). Each is driven by
 * autocannon exactly as `npm run bench` drives the bridge; rounds alternate between servers, so
 * other load on the machine hits all alike. Reported: CPU time per request of each server
 * process (medians of the rounds), requests/s and p50 latency, and the differences: what
 * express adds to node:http, and what the bridge adds to express.
 *
 * Fails (exit 1) when any request of a measured phase fails.
 */
import { startStageProcess, type ServerHandle } from "./bridge-client.js";
import { STAGES, STAGE_USERS, type Stage } from "./bridge-protocol.js";
import { loadAverage, machineFacts } from "./docs-results.js";
import { measuredPhase, runHttpPhase, singleOperations, UserPicker } from "./entra-cycle.js";
import { median } from "./latencies.js";
import { parseStageOptions } from "./options.js";
import type { MeasuredPhase } from "./report.js";

const OPERATIONS = ["get", "filter", "patch"] as const;
type Operation = (typeof OPERATIONS)[number];

const options = parseStageOptions(process.argv.slice(2));
const rounds = options.rounds;
const load = { connections: options.concurrency, durationSeconds: options.durationSeconds };
/** Warm-up per server and request (not measured): JIT compilation, connections, caches. */
const warmUp = { ...load, durationSeconds: Math.min(2, load.durationSeconds) };

const picker = new UserPicker(STAGE_USERS);
const scenarios = singleOperations(picker);
const servers = new Map<Stage, ServerHandle>();
const phases = new Map<string, MeasuredPhase[]>();
const key = (stage: Stage, op: Operation) => `${stage} ${op}`;

const loadBefore = loadAverage();
try {
  for (const stage of STAGES) servers.set(stage, await startStageProcess(stage, { profile: options.profile }));
  for (const [stage, server] of servers) {
    for (const op of OPERATIONS) await runHttpPhase(server, scenarios[op], warmUp);
    console.log(`${stage}: warmed up`);
  }
  for (let round = 0; round < rounds; round += 1) {
    for (const op of OPERATIONS) {
      // Each round starts with another server, so none always runs first (or last) after a pause.
      const order = STAGES.map((_, i) => STAGES[(i + round) % STAGES.length]!);
      for (const stage of order) {
        const phase = await measuredPhase(servers.get(stage)!, scenarios[op], load);
        phases.set(key(stage, op), [...(phases.get(key(stage, op)) ?? []), phase]);
        console.log(`round ${round + 1} ${stage.padEnd(9)} ${op.padEnd(6)} ${Math.round(phase.requestsPerSecond).toString().padStart(6)} req/s  CPU ${(phase.cpuMsPerRequest * 1000).toFixed(0).padStart(5)} us/req${phase.failures ? `  FAILURES ${JSON.stringify(phase.statuses)}` : ""}`);
      }
    }
  }
} finally {
  for (const server of servers.values()) await server.stop();
}

const cpuUs = (stage: Stage, op: Operation) => 1000 * median(phases.get(key(stage, op))!.map((p) => p.cpuMsPerRequest));
const cell = (stage: Stage, op: Operation) => {
  const all = phases.get(key(stage, op))!;
  return `${cpuUs(stage, op).toFixed(0)} us, ${Math.round(median(all.map((p) => p.requestsPerSecond))).toLocaleString("en")}/s, p50 ${median(all.map((p) => p.latency.p50Ms)).toFixed(2)} ms`;
};
const lines = [
  "",
  `Machine: ${machineFacts()}. Load average at start ${loadBefore}, at end ${loadAverage()}.`,
  `${rounds} rounds of ${load.durationSeconds} s per server and request, concurrency ${load.connections}; medians of the rounds.`,
  "",
  `| request | ${STAGES.map((s) => `${s}: CPU/request, req/s, p50`).join(" | ")} | express - node:http | bridge - express |`,
  `| --- | ${STAGES.map(() => "---").join(" | ")} | --- | --- |`,
  ...OPERATIONS.map((op) => `| ${scenarios[op].name} | ${STAGES.map((s) => cell(s, op)).join(" | ")} | ${(cpuUs("express", op) - cpuUs("node:http", op)).toFixed(0)} us | ${(cpuUs("bridge", op) - cpuUs("express", op)).toFixed(0)} us |`),
];
console.log(lines.join("\n"));

const failures = [...phases].flatMap(([name, all]) => all.filter((p) => p.failures > 0).map((p) => `${name}: ${p.failures} failed requests ${JSON.stringify(p.statuses)}`));
for (const failure of failures) console.error(`FAIL ${failure}`);
process.exitCode = failures.length > 0 ? 1 : 0;
