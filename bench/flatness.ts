/**
 * Whether the filter Entra sends most (userName eq) costs the same at every table size. Two
 * measures: the plan of every statement the bridge runs for it (a full scan of Users fails at
 * once; rows examined must not grow with N), and sequential request latency, as medians over
 * rounds so a noisy 2-core machine does not decide the verdict.
 */
import type { BenchDatabase } from "./databases.js";
import type { BridgeHandle } from "./bridge-client.js";
import type { CapturedStatement } from "./bridge-protocol.js";
import type { UserPicker } from "./entra-cycle.js";
import { median, summarise } from "./latencies.js";
import { emailOf } from "./population.js";

export interface StatementPlan {
  readonly sql: string;
  /** The user table read in full (or a full index scan of it). */
  readonly scan: boolean;
  /** Rows of Users the engine looked at (PostgreSQL, MariaDB and Babelfish report it; SQLite does not). */
  readonly rowsExamined?: number;
  readonly detail: string;
}

export interface FlatnessSample {
  readonly plans: StatementPlan[];
  /** Each round's median sequential latency, in ms; rounds of all sizes are interleaved. */
  readonly rounds: number[];
}

export const FLATNESS_ROUNDS = 7;
const PER_ROUND = 60;
/** A scan at 10x the rows costs ~10x; indexed lookups stay within noise of 1x. */
export const LATENCY_TOLERANCE = 2.5;

async function filter(bridge: BridgeHandle, email: string): Promise<void> {
  const response = await fetch(`${bridge.scimUrl}/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`, { headers: { authorization: `Bearer ${bridge.token}` } });
  if (response.status !== 200) throw new Error(`filter answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

/** The plan of every statement on Users the bridge runs for one userName filter that finds a user. */
export async function explainFilter(db: BenchDatabase, bridge: BridgeHandle, picker: UserPicker): Promise<StatementPlan[]> {
  const statements = await bridge.capture(() => filter(bridge, emailOf(picker.uniqueLive())));
  const plans: StatementPlan[] = [];
  for (const statement of statements) if (/^\s*select\b/i.test(statement.sql) && /Users/.test(statement.sql)) plans.push(await explain(db, statement));
  return plans;
}

/** One round of sequential userName filters (concurrency 1, so queueing does not blur it): the median. */
export async function filterLatencyRound(bridge: BridgeHandle, picker: UserPicker): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < PER_ROUND; i += 1) {
    const t0 = performance.now();
    await filter(bridge, emailOf(picker.uniqueLive()));
    samples.push(performance.now() - t0);
  }
  return summarise(samples).p50Ms;
}

/** pg reports $1, $2 ... in the query event, tedious @p0, @p1 ...; knex.raw wants ?. */
const knexPlaceholders = (sql: string) => sql.replace(/\$\d+\b|@p\d+\b/g, "?");

async function explain(db: BenchDatabase, statement: CapturedStatement): Promise<StatementPlan> {
  const bindings = [...statement.bindings];
  const sql = knexPlaceholders(statement.sql);
  switch (db.engine) {
    case "sqlite": {
      const rows: { detail: string }[] = await db.knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings);
      const details = rows.map((r) => r.detail);
      return { sql, scan: details.some((d) => /^SCAN (u|Users)\b/.test(d)), detail: details.join("; ") };
    }
    case "postgres": {
      const result = await db.knex.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, bindings);
      const plan = (result.rows[0]["QUERY PLAN"] as [{ Plan: PgNode }])[0].Plan;
      const users = pgNodes(plan).filter((node) => node["Relation Name"] === "Users");
      const rows = users.reduce((sum, n) => sum + (n["Actual Rows"] + (n["Rows Removed by Filter"] ?? 0) + (n["Rows Removed by Index Recheck"] ?? 0)) * n["Actual Loops"], 0);
      return {
        sql,
        scan: users.some((n) => n["Node Type"] === "Seq Scan"),
        rowsExamined: rows,
        detail: users.map((n) => `${n["Node Type"]}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""}`).join("; "),
      };
    }
    case "mariadb": {
      const [rows] = await db.knex.raw(`ANALYZE FORMAT=JSON ${sql}`, bindings);
      const tables = mariaTables(JSON.parse(Object.values(rows[0] as Record<string, string>)[0]!)).filter((t) => t.table_name === "u" || t.table_name === "Users");
      return {
        sql,
        scan: tables.some((t) => t.access_type === "ALL" || t.access_type === "index"),
        rowsExamined: tables.reduce((sum, t) => sum + (t.r_rows ?? 0) * (t.r_loops ?? 1), 0),
        detail: tables.map((t) => `${t.access_type}${t.key ? ` using ${t.key}` : ""}`).join("; "),
      };
    }
    case "mssql": {
      const users = babelfishNodes(await babelfishProfile(db, sql, bindings)).filter((n) => n.relation === "users");
      return {
        sql,
        scan: users.some((n) => n.type === "Seq Scan"),
        rowsExamined: users.reduce((sum, n) => sum + (n.rows + n.removed) * n.loops, 0),
        detail: users.map((n) => `${n.type}${n.index ? ` using ${n.index}` : ""}`).join("; "),
      };
    }
  }
}

/**
 * The statement run under Babelfish's BABELFISH_STATISTICS PROFILE: it answers with PostgreSQL's
 * EXPLAIN ANALYZE text, one row per line ({"QUERY PLAN": ...}), instead of the statement's rows.
 * A SET holds for the session, so it is set, used and unset on one connection (a transaction).
 * The bench reads Babelfish's form only: on SQL Server itself the same question is answered by
 * SET STATISTICS XML ON (actual rows) or SET SHOWPLAN_XML ON (the plan alone), as XML.
 */
async function babelfishProfile(db: BenchDatabase, sql: string, bindings: CapturedStatement["bindings"][number][]): Promise<string[]> {
  return db.knex.transaction(async (trx) => {
    await trx.raw("SET BABELFISH_STATISTICS PROFILE ON");
    try {
      const rows: Record<string, unknown>[] = await trx.raw(sql, bindings);
      return rows.map((row) => row["QUERY PLAN"]).filter((line): line is string => typeof line === "string");
    } finally {
      await trx.raw("SET BABELFISH_STATISTICS PROFILE OFF");
    }
  });
}

interface BabelfishNode {
  type: string;
  /** PostgreSQL's (lower-case) name of the table, as Babelfish stores it. */
  relation?: string;
  index?: string;
  rows: number;
  loops: number;
  /** Rows the node read and dropped: "Rows Removed by Filter" and "by Index Recheck". */
  removed: number;
}

/** A plan node's line, e.g. "->  Index Scan using ix_users_emailusers<md5> on users u  (cost=...) (actual time=... rows=1 loops=1)". */
const NODE_LINE = /^\s*(?:->\s+)?([A-Z][\w ]*?)(?: using (\S+))?(?: on (\S+)(?: \S+)?)?\s+\(cost=[^)]*\)\s+\((?:actual time=\S+ rows=(\d+) loops=(\d+)|never executed)\)/;

/** The nodes of an EXPLAIN ANALYZE text; the lines under a node (deeper, no cost) are its details. */
function babelfishNodes(lines: readonly string[]): BabelfishNode[] {
  const nodes: BabelfishNode[] = [];
  for (const line of lines) {
    const node = NODE_LINE.exec(line);
    if (node) {
      // Babelfish names an index <name><table><md5 of both>: the name as the schema wrote it is the readable part.
      const index = node[2]?.replace(new RegExp(`${node[3] ?? ""}[0-9a-f]{32}$`), "");
      nodes.push({ type: node[1]!, relation: node[3], index, rows: Number(node[4] ?? 0), loops: Number(node[5] ?? 0), removed: 0 });
      continue;
    }
    const removed = /Rows Removed by (?:Filter|Index Recheck): (\d+)/.exec(line);
    if (removed && nodes.length > 0) nodes.at(-1)!.removed += Number(removed[1]);
  }
  return nodes;
}

interface PgNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: PgNode[];
}

const pgNodes = (node: PgNode): PgNode[] => [node, ...(node.Plans ?? []).flatMap(pgNodes)];

interface MariaTable {
  table_name: string;
  access_type: string;
  key?: string;
  r_rows?: number;
  r_loops?: number;
}

function mariaTables(value: unknown): MariaTable[] {
  if (Array.isArray(value)) return value.flatMap(mariaTables);
  if (value === null || typeof value !== "object") return [];
  const record = value as Record<string, unknown>;
  const own = typeof record.table_name === "string" && typeof record.access_type === "string" ? [record as unknown as MariaTable] : [];
  return [...own, ...Object.values(record).flatMap(mariaTables)];
}

export interface FlatnessVerdict {
  readonly flat: boolean;
  readonly reasons: string[];
  readonly latencyRatio: number;
}

/**
 * Compares the smallest size with the next: a scan, growing rows examined, or a latency that
 * grows beyond the tolerance fails. Latency is compared round by round (the rounds ran
 * interleaved, so both saw the same background load) and the median ratio decides.
 */
export function judgeFlatness(small: { size: number; sample: FlatnessSample }, large: { size: number; sample: FlatnessSample }): FlatnessVerdict {
  const reasons: string[] = [];
  for (const { size, sample } of [small, large]) {
    for (const plan of sample.plans) if (plan.scan) reasons.push(`at ${size} users the filter scans Users: ${plan.detail} (${plan.sql})`);
  }
  const examined = (sample: FlatnessSample) => sample.plans.reduce((sum, p) => sum + (p.rowsExamined ?? 0), 0);
  const [before, after] = [examined(small.sample), examined(large.sample)];
  if (after > 2 * before + 10) reasons.push(`rows of Users examined grew from ${before} to ${after}`);
  const latencyRatio = median(large.sample.rounds.map((value, i) => value / small.sample.rounds[i]!));
  if (latencyRatio > LATENCY_TOLERANCE) {
    reasons.push(`median filter latency grew ${latencyRatio.toFixed(2)}x (${median(small.sample.rounds).toFixed(2)} -> ${median(large.sample.rounds).toFixed(2)} ms; tolerance ${LATENCY_TOLERANCE}x)`);
  }
  return { flat: reasons.length === 0, reasons, latencyRatio };
}
