/** Command-line flags of `npm run bench` and `npm run bench:http`, parsed once; a bad flag stops the run with its name. */
import { parseArgs } from "node:util";

export const ENGINES = ["sqlite", "postgres", "mariadb", "mssql"] as const;
export type BenchEngine = (typeof ENGINES)[number];

export interface BenchOptions {
  /** Users seeded per run, smallest first; the flatness check compares the first two. */
  readonly sizes: readonly number[];
  readonly engines: readonly BenchEngine[];
  /** Open HTTP connections (and direct workers): Entra's own concurrency is in this range. */
  readonly concurrency: number;
  /** Seconds per measured phase. */
  readonly durationSeconds: number;
  /** Write the result into docs/performance.md. */
  readonly writeDocs: boolean;
  /** Start the bridge with --cpu-prof; profiles land in bench/profiles/. */
  readonly profile: boolean;
}

const DEFAULT_SIZES = [10_000, 100_000];
const LARGE_SIZES = [10_000, 100_000, 1_000_000];

export const USAGE = `npm run bench -- [--sizes 10000,100000] [--large] [--engines sqlite,postgres,mariadb,mssql]
                       [--concurrency 8] [--duration 6] [--no-docs] [--profile]`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sizes: { type: "string" },
      large: { type: "boolean", default: false },
      engines: { type: "string" },
      concurrency: { type: "string", default: "8" },
      duration: { type: "string", default: "6" },
      "no-docs": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const sizes = values.sizes ? values.sizes.split(",").map((s) => positive("--sizes", s)) : values.large ? LARGE_SIZES : DEFAULT_SIZES;
  const engines = values.engines ? values.engines.split(",").map(engine) : [...ENGINES];
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    engines,
    concurrency: positive("--concurrency", values.concurrency),
    durationSeconds: positive("--duration", values.duration),
    writeDocs: !values["no-docs"],
    profile: values.profile,
  };
}

export function positive(flag: string, text: string): number {
  const value = Number(text.replace(/_/g, ""));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag}: "${text}" is not a positive integer`);
  return value;
}

function engine(text: string): BenchEngine {
  const name = text.trim() as BenchEngine;
  if (!ENGINES.includes(name)) throw new Error(`--engines: unknown engine "${text}" (one of ${ENGINES.join(", ")})`);
  return name;
}

/** Flags of `npm run bench:http` (http-stage.ts). */
export interface StageOptions {
  /** Measured rounds; each round runs every server once per request. */
  readonly rounds: number;
  readonly concurrency: number;
  readonly durationSeconds: number;
  readonly profile: boolean;
}

export const STAGE_USAGE = "npm run bench:http -- [--rounds 3] [--duration 3] [--concurrency 8] [--profile]";

export function parseStageOptions(argv: readonly string[]): StageOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: "string", default: "3" },
      duration: { type: "string", default: "3" },
      concurrency: { type: "string", default: "8" },
      profile: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(STAGE_USAGE);
    process.exit(0);
  }
  return {
    rounds: positive("--rounds", values.rounds),
    concurrency: positive("--concurrency", values.concurrency),
    durationSeconds: positive("--duration", values.duration),
    profile: values.profile,
  };
}
