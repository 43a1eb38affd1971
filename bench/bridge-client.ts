/** Starts the bridge process for one database and talks to it over IPC. */
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SqlStoreConfig } from "../src/store/sql/sql-config.js";
import type { BridgeReply, BridgeRequest, CapturedStatement } from "./bridge-protocol.js";

type Reply<T extends BridgeReply["type"]> = Extract<BridgeReply, { type: T }>;
type RequestBody = BridgeRequest extends infer R ? (R extends BridgeRequest ? Omit<R, "id"> : never) : never;

export interface BridgeHandle {
  readonly scimUrl: string;
  readonly token: string;
  /** Statements run, peak RSS, and CPU time (user + system) the bridge process has used. */
  counters(): Promise<{ queries: number; maxRssKb: number; cpuMs: number }>;
  /** The statements the bridge runs while `work` runs. */
  capture(work: () => Promise<void>): Promise<CapturedStatement[]>;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL("./bridge-process.ts", import.meta.url));
const PROFILES = fileURLToPath(new URL("./profiles/", import.meta.url));

export async function startBridgeProcess(store: SqlStoreConfig, options: { profile: boolean }): Promise<BridgeHandle> {
  if (options.profile) mkdirSync(PROFILES, { recursive: true });
  const child = fork(ENTRY, [], {
    execArgv: ["--import", "tsx", ...(options.profile ? ["--cpu-prof", `--cpu-prof-dir=${PROFILES}`] : [])],
    env: { ...process.env, BENCH_STORE: JSON.stringify(store) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, (reply: BridgeReply) => void>();
  let nextId = 1;
  const ready = new Promise<Reply<"ready">>((resolve, reject) => {
    pending.set(0, (reply) => resolve(reply as Reply<"ready">));
    child.once("exit", (code) => reject(new Error(`the bridge process exited (${code}) before it was ready`)));
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
    counters: () => ask<"counters">({ type: "counters" }),
    async capture(work) {
      await ask({ type: "capture" });
      await work();
      return (await ask<"captured">({ type: "captured" })).statements;
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
