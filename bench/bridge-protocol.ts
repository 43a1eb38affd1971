/**
 * Messages between the bench and its server processes (IPC): the bridge process, the HTTP floor
 * and the HTTP-stage servers. All answer "counters" and "stop"; the bridge also "capture".
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
function countersReply(id: number, queries: number): BridgeReply {
  const cpu = process.cpuUsage();
  return { id, type: "counters", queries, maxRssKb: process.resourceUsage().maxRSS, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export interface ServerSide {
  /** Statements the process has run so far. */
  readonly statements: () => number;
  /** Closes the server and what it holds; "stop" is answered after it. */
  readonly stop: () => Promise<void>;
  /** Answers the requests other than "counters" and "stop" (the bridge's "capture"). */
  readonly other?: (request: Exclude<BridgeRequest, { readonly type: "counters" | "stop" }>) => BridgeReply;
}

/**
 * A server process's side of the channel: answers the bench's requests, and returns the function
 * that tells the bench where it listens. Ctrl-C reaches the whole process group: the bench stops
 * its servers itself, after which the channel closes; a bench that died without stopping them
 * closes it too. Either way the process then exits.
 */
export function serveBench(side: ServerSide): (scimUrl: string, token: string) => void {
  const send = (reply: BridgeReply) => process.send!(reply);
  process.on("message", async (request: BridgeRequest) => {
    switch (request.type) {
      case "counters":
        return send(countersReply(request.id, side.statements()));
      case "stop":
        await side.stop();
        // The bench closes the channel once it has this answer; this process then exits.
        return send({ id: request.id, type: "ok" });
      default:
        if (!side.other) throw new Error(`this server does not answer "${request.type}"`);
        return send(side.other(request));
    }
  });
  process.on("SIGINT", () => undefined);
  process.once("disconnect", () => process.exit(0));
  return (scimUrl, token) => send({ id: 0, type: "ready", scimUrl, token });
}

/** The HTTP-stage bench's servers (stage-server.ts), from the least work to the bridge's. */
export const STAGES = ["node:http", "express", "bridge"] as const;
export type Stage = (typeof STAGES)[number];
/** Users the stage servers hold in memory: the bench picks among them. */
export const STAGE_USERS = 10_000;
