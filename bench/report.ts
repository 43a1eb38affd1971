/** The result tables, as Markdown: printed to the console and written into docs/performance.md. */
import type { DirectOperation, DirectPhaseResult } from "./direct.js";
import type { HttpPhaseResult } from "./entra-cycle.js";
import type { FlatnessSample, FlatnessVerdict } from "./flatness.js";
import { median } from "./latencies.js";
import type { SeedResult } from "./seed.js";

export interface MeasuredPhase extends HttpPhaseResult {
  readonly queriesPerRequest: number;
  /** CPU time of the bridge process per request: unlike latency, barely moved by other load on the machine. */
  readonly cpuMsPerRequest: number;
}

export interface SizeResult {
  readonly engine: string;
  readonly engineVersion: string;
  readonly size: number;
  readonly seed: SeedResult;
  readonly flatness: FlatnessSample;
  readonly cycles: MeasuredPhase[];
  readonly operations: Record<DirectOperation, MeasuredPhase>;
  readonly direct: Record<DirectOperation, DirectPhaseResult>;
  /** The same requests against the HTTP floor (http-floor.ts): a bare node:http server doing the direct queries. */
  readonly floor: Record<DirectOperation, MeasuredPhase>;
  readonly peakRssMb: number;
}

export interface EngineVerdict {
  readonly engine: string;
  readonly compared: [number, number];
  readonly verdict: FlatnessVerdict;
}

/** The bridge's overhead for one operation: its mean latency over the direct one's. */
export const overheadRatio = (result: SizeResult, operation: DirectOperation) =>
  result.operations[operation].latency.meanMs / result.direct[operation].latency.meanMs;

/** What any HTTP service pays on this machine: the HTTP floor's mean latency over the direct one's. */
export const floorRatio = (result: SizeResult, operation: DirectOperation) =>
  result.floor[operation].latency.meanMs / result.direct[operation].latency.meanMs;

/** The bridge's own overhead, HTTP's share taken out: its mean latency over the HTTP floor's. */
export const bridgeOverFloor = (result: SizeResult, operation: DirectOperation) =>
  result.operations[operation].latency.meanMs / result.floor[operation].latency.meanMs;

const ms = (value: number) => (Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : "-");
const rate = (value: number) => Math.round(value).toLocaleString("en");
const count = (value: number) => value.toLocaleString("en");

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function sizeSection(result: SizeResult): string {
  const phases = table(
    ["phase (bridge over HTTP)", "req/s", "p50 ms", "p99 ms", "queries/request", "bridge CPU ms/request", "failures"],
    [...result.cycles, ...Object.values(result.operations)].map((p) => [p.name, rate(p.requestsPerSecond), ms(p.latency.p50Ms), ms(p.latency.p99Ms), p.queriesPerRequest.toFixed(1), ms(p.cpuMsPerRequest), p.failures]),
  );
  const ratios = table(
    [
      "operation",
      "bridge mean ms",
      "HTTP floor mean ms",
      "direct mean ms",
      "direct req/s",
      "direct p50 ms",
      "direct p99 ms",
      "direct queries",
      "ratio bridge/direct",
      "ratio floor/direct",
      "ratio bridge/floor",
      "CPU ms bridge / floor / direct",
    ],
    (Object.keys(result.direct) as DirectOperation[]).map((op) => {
      const direct = result.direct[op];
      const floor = result.floor[op];
      const cpu = `${ms(result.operations[op].cpuMsPerRequest)} / ${ms(floor.cpuMsPerRequest)} / ${ms(direct.cpuMsPerRequest)}`;
      return [
        op,
        ms(result.operations[op].latency.meanMs),
        ms(floor.latency.meanMs),
        ms(direct.latency.meanMs),
        rate(direct.requestsPerSecond),
        ms(direct.latency.p50Ms),
        ms(direct.latency.p99Ms),
        direct.queriesPerRequest.toFixed(1),
        overheadRatio(result, op).toFixed(2),
        floorRatio(result, op).toFixed(2),
        bridgeOverFloor(result, op).toFixed(2),
        cpu,
      ];
    }),
  );
  const plans = result.flatness.plans.map((p) => `\`${p.detail}\`${p.rowsExamined === undefined ? "" : ` (${p.rowsExamined} rows of Users examined)`}`).join(", ");
  return [
    `### ${result.engine} ${result.engineVersion}, ${count(result.size)} users`,
    "",
    `Seeded ${count(result.seed.users)} users and ${count(result.seed.phones)} phones in ${result.seed.seconds.toFixed(1)} s. ` +
      `Bridge peak RSS ${result.peakRssMb.toFixed(0)} MB. Sequential \`userName eq\` median ${ms(median(result.flatness.rounds))} ms; plans: ${plans || "none"}.`,
    "",
    phases,
    "",
    ratios,
  ].join("\n");
}

export function summaryTable(results: readonly SizeResult[], verdicts: readonly EngineVerdict[]): string {
  const flatOf = (engine: string) => verdicts.find((v) => v.engine === engine);
  return table(
    ["engine", "users", "initial cycle req/s", "incremental req/s", "filter p50/p99 ms", "ratio filter / get / patch", "floor ratio filter / get / patch", "peak RSS MB", "filter cost flat"],
    results.map((r) => {
      const verdict = flatOf(r.engine);
      const initial = r.cycles[0]!;
      const incremental = r.cycles[1]!;
      const filter = r.operations.filter;
      return [
        r.engine,
        count(r.size),
        rate(initial.requestsPerSecond),
        rate(incremental.requestsPerSecond),
        `${ms(filter.latency.p50Ms)} / ${ms(filter.latency.p99Ms)}`,
        (["filter", "get", "patch"] as const).map((op) => overheadRatio(r, op).toFixed(2)).join(" / "),
        (["filter", "get", "patch"] as const).map((op) => floorRatio(r, op).toFixed(2)).join(" / "),
        r.peakRssMb.toFixed(0),
        verdict ? (verdict.verdict.flat ? `yes (${verdict.verdict.latencyRatio.toFixed(2)}x)` : "NO") : "n/a",
      ];
    }),
  );
}
