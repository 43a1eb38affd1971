/**
 * `replay`: recorded Entra provisioning sequences (replay/*.json) against a running bridge, any
 * URL. Each step's request is sent as Entra sends it; its answer is compared with what Entra
 * needs (status, and a subset of the body); ids from answers feed later steps.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const stepSchema = z.strictObject({
  name: z.string(),
  request: z.strictObject({ method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]), path: z.string().startsWith("/"), body: z.unknown().optional() }),
  expect: z.strictObject({ status: z.number().int(), body: z.unknown().optional() }),
  /** Variable -> dotted path in the answer's body, e.g. { "id": "id" }. */
  capture: z.record(z.string(), z.string()).optional(),
});

export const sequenceSchema = z.strictObject({ name: z.string(), description: z.string().optional(), steps: z.array(stepSchema).min(1) });
export type Sequence = z.infer<typeof sequenceSchema>;

export interface StepResult {
  readonly sequence: string;
  readonly step: string;
  readonly outcome: "passed" | "failed" | "skipped";
  readonly expected?: unknown;
  readonly got?: { readonly status: number; readonly body: unknown };
  readonly problem?: string;
}

/** The shipped sequences, or those of a folder or file. */
export function loadSequences(location: string): Sequence[] {
  const files = location.endsWith(".json") ? [location] : readdirSync(location).filter((f) => f.endsWith(".json")).sort().map((f) => path.join(location, f));
  return files.map((file) => {
    const parsed = sequenceSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return parsed.data;
  });
}

export const SHIPPED_SEQUENCES = new URL("../../replay/", import.meta.url).pathname;

/** {{name}} in every string of a value, from the variables known so far. */
function fill(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === "string") return value.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => vars[name] ?? whole);
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [fill(k, vars) as string, fill(v, vars)]));
  return value;
}

/** Where `actual` differs from the expected subset, as a path and reason; undefined when it contains it. */
export function subsetMismatch(expected: unknown, actual: unknown, at = "body"): string | undefined {
  if (expected === null || typeof expected !== "object") {
    return expected === actual ? undefined : `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at}: expected an array, got ${JSON.stringify(actual)}`;
    if (expected.length === 0 && actual.length !== 0) return `${at}: expected an empty array, got ${actual.length} element(s)`;
    for (const [i, element] of expected.entries()) {
      const problem = subsetMismatch(element, actual[i], `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!actual || typeof actual !== "object") return `${at}: expected an object, got ${JSON.stringify(actual)}`;
  for (const [key, value] of Object.entries(expected)) {
    const problem = subsetMismatch(value, (actual as Record<string, unknown>)[key], `${at}.${key}`);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The install's own values the sequences send, overridable with `--set NAME=VALUE`: a BIS whose
 * regions or countries differ from the reference install's must accept what replay sends.
 */
export const REPLAY_DEFAULTS: Readonly<Record<string, string>> = { region: "AB", region2: "ON", country: "CA", country3: "CAN" };

export async function replay(baseUrl: string, token: string, sequences: readonly Sequence[], values: Readonly<Record<string, string>> = {}): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const sequence of sequences) {
    const run = randomBytes(4).toString("hex");
    const vars: Record<string, string> = { ...REPLAY_DEFAULTS, ...values, run, guid: randomUUID(), user: `replay-${run}@example.com`, USER: `REPLAY-${run}@EXAMPLE.COM` };
    let failed = false;
    for (const step of sequence.steps) {
      if (failed) {
        results.push({ sequence: sequence.name, step: step.name, outcome: "skipped" });
        continue;
      }
      const request = fill(step.request, vars) as Sequence["steps"][number]["request"];
      const expected = fill(step.expect, vars) as Sequence["steps"][number]["expect"];
      let got: { status: number; body: unknown };
      try {
        const response = await fetch(`${baseUrl.replace(/\/$/, "")}${request.path}`, {
          method: request.method,
          headers: { authorization: `Bearer ${token}`, ...(request.body !== undefined && { "content-type": "application/scim+json" }) },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
        });
        const text = await response.text();
        got = { status: response.status, body: text ? JSON.parse(text) : undefined };
      } catch (error) {
        failed = true;
        results.push({ sequence: sequence.name, step: step.name, outcome: "failed", expected, problem: `no answer: ${(error as Error).message}` });
        continue;
      }
      const problem =
        got.status !== expected.status ? `status: expected ${expected.status}, got ${got.status}` : expected.body === undefined ? undefined : subsetMismatch(expected.body, got.body);
      failed = problem !== undefined;
      results.push({ sequence: sequence.name, step: step.name, outcome: failed ? "failed" : "passed", expected, got, problem });
      for (const [name, dotted] of Object.entries(step.capture ?? {})) {
        const value = dotted.split(".").reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], got.body);
        if (value !== undefined) vars[name] = String(value);
      }
    }
  }
  return results;
}

export function formatReplay(results: readonly StepResult[]): string {
  const lines: string[] = [];
  let sequence = "";
  for (const r of results) {
    if (r.sequence !== sequence) lines.push(`${lines.length ? "\n" : ""}${(sequence = r.sequence)}`);
    const mark = r.outcome === "passed" ? "  ok  " : r.outcome === "failed" ? "  FAIL" : "  skip";
    lines.push(`${mark} ${r.step}${r.problem ? `\n         ${r.problem}${r.got ? `\n         answer: ${JSON.stringify(r.got.body)?.slice(0, 400)}` : ""}` : ""}`);
  }
  const count = (outcome: StepResult["outcome"]) => results.filter((r) => r.outcome === outcome).length;
  lines.push("", `${count("passed")} passed, ${count("failed")} failed, ${count("skipped")} skipped`, "");
  return lines.join("\n");
}
