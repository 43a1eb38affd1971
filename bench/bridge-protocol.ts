/**
 * Messages between the bench and its server processes (IPC): the bridge process, and the HTTP
 * floor process, which answers only "counters" and "stop" (its "counters" count its own knex).
 */
export interface CapturedStatement {
  readonly sql: string;
  readonly bindings: readonly (string | number | boolean | null)[];
}

export type BridgeRequest = { readonly id: number } & (
  | { readonly type: "counters" }
  | { readonly type: "capture" }
  | { readonly type: "captured" }
  | { readonly type: "stop" }
);

export type BridgeReply = { readonly id: number } & (
  | { readonly type: "ready"; readonly scimUrl: string; readonly token: string }
  | { readonly type: "counters"; readonly queries: number; readonly maxRssKb: number; readonly cpuMs: number }
  | { readonly type: "captured"; readonly statements: CapturedStatement[] }
  | { readonly type: "ok" }
);

/** A server process's answer to "counters": its statements so far, peak RSS and CPU time (user + system). */
export function countersReply(id: number, queries: number): BridgeReply {
  const cpu = process.cpuUsage();
  return { id, type: "counters", queries, maxRssKb: process.resourceUsage().maxRSS, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** What the HTTP floor process (http-floor.ts) is asked. */
export type FloorRequest = Extract<BridgeRequest, { readonly type: "counters" | "stop" }>;

/** The HTTP-stage bench's servers (stage-server.ts), from the least work to the bridge's. */
export const STAGES = ["node:http", "express", "bridge"] as const;
export type Stage = (typeof STAGES)[number];
/** Users the stage servers hold in memory: the bench picks among them. */
export const STAGE_USERS = 10_000;
