/** Starts the bench's server processes (the bridge, the HTTP floor, the HTTP-stage servers) and talks to them over IPC. */
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SqlStoreConfig } from "../src/store/sql/sql-config.js";
import type { BridgeReply, BridgeRequest, CapturedStatement } from "./bridge-protocol.js";

type Reply<T extends BridgeReply["type"]> = Extract<BridgeReply, { type: T }>;
type RequestBody = BridgeRequest extends infer R ? (R extends BridgeRequest ? Omit<R, "id"> : never) : never;
type Counters = Omit<Reply<"counters">, "id" | "type">;

/** A server process under test: where it listens, and what it has used so far. */
export interface ServerHandle {
  readonly scimUrl: string;
  readonly token: string;
  /** Statements run, peak RSS, and CPU time (user + system) the process has used. */
  counters(): Promise<Counters>;
  stop(): Promise<void>;
}

export interface BridgeHandle extends ServerHandle {
  /** The statements the bridge runs while `work` runs. */
  capture(work: () => Promise<void>): Promise<CapturedStatement[]>;
}

const BRIDGE = fileURLToPath(new URL("./bridge-process.ts", import.meta.url));
const FLOOR = fileURLToPath(new URL("./http-floor.ts", import.meta.url));
const STAGE = fileURLToPath(new URL("./stage-server.ts", import.meta.url));
const PROFILES = fileURLToPath(new URL("./profiles/", import.meta.url));

/** Node flags for a server process: with `profile`, a CPU profile into bench/profiles/. */
function profiling(options: { profile: boolean }): string[] {
  if (!options.profile) return [];
  mkdirSync(PROFILES, { recursive: true });
  return ["--cpu-prof", `--cpu-prof-dir=${PROFILES}`];
}

export async function startBridgeProcess(store: SqlStoreConfig, options: { profile: boolean }): Promise<BridgeHandle> {
  const server = await forkServer("the bridge process", BRIDGE, { BENCH_STORE: JSON.stringify(store) }, profiling(options));
  const { ask, ...handle } = server;
  return {
    ...handle,
    async capture(work) {
      await ask({ type: "capture" });
      await work();
      return (await ask<"captured">({ type: "captured" })).statements;
    },
  };
}

/** The HTTP floor (http-floor.ts): a bare node:http server doing direct.ts's queries. */
export function startFloorProcess(store: SqlStoreConfig): Promise<ServerHandle> {
  return forkServer("the HTTP floor process", FLOOR, { BENCH_STORE: JSON.stringify(store) }, []);
}

/** One of the HTTP-stage bench's servers (stage-server.ts): `stage` names which. */
export function startStageProcess(stage: string, options: { profile: boolean }): Promise<ServerHandle> {
  return forkServer(`the ${stage} stage server`, STAGE, { BENCH_STAGE: stage }, profiling(options));
}

/** Forks `entry` with `env` added (what it serves) and waits for its "ready" message. */
async function forkServer(name: string, entry: string, env: Record<string, string>, execArgv: readonly string[]): Promise<ServerHandle & { ask: <T extends BridgeReply["type"]>(request: RequestBody) => Promise<Reply<T>> }> {
  const child = fork(entry, [], {
    execArgv: ["--import", "tsx", ...execArgv],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, (reply: BridgeReply) => void>();
  let nextId = 1;
  const ready = new Promise<Reply<"ready">>((resolve, reject) => {
    pending.set(0, (reply) => resolve(reply as Reply<"ready">));
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
  child.on("message", (reply: BridgeReply) => {
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  const ask = <T extends BridgeReply["type"]>(request: RequestBody): Promise<Reply<T>> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, (reply) => resolve(reply as Reply<T>));
      child.send({ ...request, id });
    });
  const { scimUrl, token } = await ready;
  return {
    scimUrl,
    token,
    ask,
    async counters() {
      const { queries, maxRssKb, cpuMs } = await ask<"counters">({ type: "counters" });
      return { queries, maxRssKb, cpuMs };
    },
    async stop() {
      if (child.exitCode !== null || !child.connected) return;
      await ask({ type: "stop" });
      child.disconnect();
      await exited(child);
    },
  };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}
