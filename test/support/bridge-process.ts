/**
 * Real bridge processes (as replicas behind a load balancer), started from a written config with
 * `node --import tsx src/main.ts`, with their memory readable from /metrics.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { REFERENCE_MAPPING, ROOT } from "./paths.js";
import { TEST_TOKEN } from "./bridge-harness.js";

export interface BridgeProcess {
  readonly child: ChildProcess;
  readonly scimUrl: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Resident set size and V8 heap in use, in bytes, from the process's own /metrics. */
  memory(options?: { afterGc?: boolean }): Promise<{ rss: number; heapUsed: number }>;
  stop(): Promise<void>;
}

export function writeBridgeConfig(store: unknown, extra: Record<string, unknown> = {}): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "reliability-")), "config.yaml");
  writeFileSync(
    file,
    stringify({
      server: { port: 0, host: "127.0.0.1" },
      auth: { tokens: TEST_TOKEN },
      log: { level: "warn" },
      audit: { file: path.join(path.dirname(file), "audit-%DATE%.log") },
      mapping: REFERENCE_MAPPING,
      store,
      ...extra,
    }),
  );
  return file;
}

const GC_ON_SIGNAL = path.join(import.meta.dirname, "gc-on-signal.cjs");

export interface BridgeProcessOptions {
  readonly startTimeoutMs?: number;
  readonly env?: Record<string, string>;
  /** Lets `memory({ afterGc: true })` run a full collection first (for trends of the live heap). */
  readonly gcOnSignal?: boolean;
}

export async function startBridgeProcess(configFile: string, options: BridgeProcessOptions = {}): Promise<BridgeProcess> {
  const { startTimeoutMs = 30_000, env = {} } = options;
  const gcArgs = options.gcOnSignal ? ["--expose-gc", "--require", GC_ON_SIGNAL] : [];
  const child = spawn(process.execPath, [...gcArgs, "--import", "tsx", "src/main.ts", "--config", configFile], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const scimUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bridge did not start in ${startTimeoutMs} ms: ${output}`)), startTimeoutMs);
    child.stdout!.on("data", (d) => {
      output += d;
      const match = /SCIM at (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr!.on("data", (d) => (output += d));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bridge exited (${code}): ${output}`));
    });
  });
  const root = scimUrl.replace(/\/scim\/v2$/, "");
  return {
    child,
    scimUrl,
    output: () => output,
    exited,
    async memory({ afterGc = false } = {}) {
      if (afterGc) {
        child.kill("SIGUSR2");
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      const text = await (await fetch(`${root}/metrics`)).text();
      const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
      return { rss: metric("bis_bridge_process_resident_memory_bytes"), heapUsed: metric("bis_bridge_nodejs_heap_size_used_bytes") };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A SCIM request with the test token and a deadline; a request past it counts as hung (status 0). */
export async function scim(
  baseUrl: string,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<{ status: number; headers: Headers; body: any; ms: number }> {
  const started = Date.now();
  try {
    const response = await fetch(`${baseUrl}${pathAndQuery}`, {
      method,
      headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body !== undefined && { "content-type": "application/scim+json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, headers: response.headers, body: parsed, ms: Date.now() - started };
  } catch (error) {
    if ((error as Error).name === "TimeoutError") return { status: 0, headers: new Headers(), body: undefined, ms: Date.now() - started };
    throw error;
  }
}
