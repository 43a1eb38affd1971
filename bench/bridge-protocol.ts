/** Messages between the bench and the bridge process (IPC). */
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
