/**
 * Soak: mixed Entra traffic at a fixed rate over two bridge processes on one database, with
 * each process's memory sampled from /metrics right after a forced full GC (SIGUSR2, see
 * test/support/gc-on-signal.cjs). No request may fail, and neither the live heap nor RSS may show a
 * least-squares growth trend (after warm-up) beyond the bound.
 * CI runs 75 s; `npm run test:reliability -- --soak` runs 10 minutes (RELIABILITY_SOAK_SECONDS).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entraUser } from "../support/bridge-harness.js";
import { createTestDatabase, engineAvailable, type TestDatabase } from "../support/databases.js";
import { checkBis } from "./support/bis-invariants.js";
import { scim, startBridgeProcess, writeBridgeConfig, type BridgeProcess } from "../support/bridge-process.js";
import { recordCases, recordFault, recordFigure } from "./support/results.js";

const SECONDS = Number(process.env.RELIABILITY_SOAK_SECONDS ?? 75);
const RATE_PER_SECOND = 12;
const MAX_IN_FLIGHT = 100;
const SAMPLE_EVERY_MS = 1_000;
const WINDOW_MS = 5_000;
/** The first part of the run warms caches and the JIT; trends are fitted after it. */
const WARM_UP_FRACTION = 0.3;
/**
 * Bounds on the fitted trend, in MB per minute. The long run (>= 5 min) holds the live heap
 * under 1 MB/min (under 10 MB over 10 minutes); a short CI run still carries warm-up in its
 * slope, so it is held to looser bounds that catch a gross leak only.
 */
const LONG = SECONDS >= 300;
const HEAP_BOUND_MB_PER_MIN = LONG ? 1 : 2;
const RSS_BOUND_MB_PER_MIN = LONG ? 3 : 5;
const DOMAIN = "@soak.rel.contoso.com";
const MB = 1024 * 1024;
const patchOf = (operations: unknown[]) => ({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: operations });

/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** Per window, the lowest sample (each taken after a forced full GC): noise from allocation timing removed. */
function windowMinima(samples: readonly { t: number; value: number }[]): [number, number][] {
  const windows = new Map<number, number>();
  for (const { t, value } of samples) {
    const w = Math.floor(t / WINDOW_MS);
    windows.set(w, Math.min(windows.get(w) ?? Infinity, value));
  }
  return [...windows].map(([w, v]) => [(w * WINDOW_MS) / 60_000, v / MB]);
}

const engine = engineAvailable("postgres") ? "postgres" : "sqlite";

describe(`soak: ${SECONDS} s of Entra traffic at ${RATE_PER_SECOND}/s on ${engine}`, () => {
  let db: TestDatabase;
  const bridges: BridgeProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(engine, { seed: true });
    const config = writeBridgeConfig({ ...db.config, lockTimeoutMs: 5_000 });
    bridges.push(...(await Promise.all([startBridgeProcess(config, { gcOnSignal: true }), startBridgeProcess(config, { gcOnSignal: true })])));
  });
  afterAll(async () => {
    await Promise.all(bridges.map((b) => b.stop()));
    await db?.drop();
  });

  it("answers every request rightly, and memory shows no growth trend", async () => {
    const live: { id: string; email: string }[] = [];
    const failures: string[] = [];
    const counts = new Map<string, number>();
    let sent = 0;
    let inFlight = 0;
    let dropped = 0;
    let created = 0;
    const base = (i: number) => bridges[i % bridges.length].scimUrl;

    /** One Entra-like request, chosen by weight; returns the operation and whether its answer was right. */
    async function one(i: number): Promise<void> {
      const url = base(i);
      const roll = i % 20;
      const user = live.length > 0 ? live[(i * 7919) % live.length] : undefined;
      let op: string;
      let ok: boolean;
      let detail = "";
      if (roll < 5 || (roll >= 9 && !user)) {
        op = "probe";
        const r = await scim(url, "GET", `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`);
        ok = r.status === 200 && r.body.totalResults === 0;
        detail = `${r.status}`;
      } else if (roll < 9 || !user) {
        op = "create";
        const email = `s${i}.${Date.now().toString(36)}${DOMAIN}`;
        const r = await scim(url, "POST", "/Users", entraUser(email));
        ok = r.status === 201;
        if (ok) {
          live.push({ id: r.body.id, email });
          created += 1;
        }
        detail = `${r.status} ${JSON.stringify(r.body).slice(0, 120)}`;
      } else if (roll < 12) {
        op = "query";
        const r = await scim(url, "GET", `/Users?filter=${encodeURIComponent(`userName eq "${user.email}"`)}`);
        ok = r.status === 200 && r.body.totalResults <= 1;
        detail = `${r.status}`;
      } else if (roll < 14) {
        op = "get";
        const r = await scim(url, "GET", `/Users/${user.id}`);
        ok = r.status === 200 || r.status === 404; // 404 when a concurrent delete won
        detail = `${r.status}`;
      } else if (roll < 17) {
        op = "patch";
        const r = await scim(url, "PATCH", `/Users/${user.id}`, patchOf([{ op: "Replace", path: "title", value: `T${i}` }, { op: "Replace", path: "active", value: i % 2 ? "True" : "False" }]));
        ok = r.status === 200 || r.status === 404;
        detail = `${r.status} ${JSON.stringify(r.body).slice(0, 120)}`;
      } else if (roll < 19) {
        op = "put";
        const r = await scim(url, "PUT", `/Users/${user.id}`, entraUser(user.email, { title: `P${i}` }));
        ok = r.status === 200 || r.status === 404;
        detail = `${r.status} ${JSON.stringify(r.body).slice(0, 120)}`;
      } else {
        op = "delete";
        live.splice(live.indexOf(user), 1);
        const r = await scim(url, "DELETE", `/Users/${user.id}`);
        ok = r.status === 204;
        detail = `${r.status}`;
      }
      counts.set(op, (counts.get(op) ?? 0) + 1);
      if (!ok && failures.length < 20) failures.push(`${op}: ${detail}`);
      if (!ok) counts.set("failed", (counts.get("failed") ?? 0) + 1);
    }

    const samples = bridges.map(() => [] as { t: number; heap: number; rss: number }[]);
    const started = Date.now();
    const end = started + SECONDS * 1000;
    const sampler = setInterval(() => {
      bridges.forEach((b, k) =>
        void b.memory({ afterGc: true }).then(
          (m) => samples[k].push({ t: Date.now() - started, heap: m.heapUsed, rss: m.rss }),
          () => undefined,
        ),
      );
    }, SAMPLE_EVERY_MS);
    const running: Promise<void>[] = [];
    // Fixed rate: request n goes out at started + n / rate, whatever the answers' latency.
    while (Date.now() < end) {
      const due = started + (sent * 1000) / RATE_PER_SECOND;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      if (inFlight >= MAX_IN_FLIGHT) {
        dropped += 1; // the bridge fell behind the fixed rate
      } else {
        inFlight += 1;
        const i = sent;
        running.push(one(i).catch((error: Error) => void failures.push(`request ${i}: ${error.message}`)).finally(() => (inFlight -= 1)));
      }
      sent += 1;
    }
    await Promise.all(running);
    clearInterval(sampler);

    const failed = (counts.get("failed") ?? 0) + failures.filter((f) => f.startsWith("request")).length;
    const warmUp = SECONDS * 1000 * WARM_UP_FRACTION;
    const trends = samples.map((s) => {
      const after = s.filter((x) => x.t >= warmUp);
      return {
        heap: slope(windowMinima(after.map((x) => ({ t: x.t, value: x.heap })))),
        rss: slope(windowMinima(after.map((x) => ({ t: x.t, value: x.rss })))),
        heapEnd: (after.at(-1)?.heap ?? 0) / MB,
        rssEnd: (after.at(-1)?.rss ?? 0) / MB,
        samples: s.length,
      };
    });
    const health = await checkBis(db.knex, DOMAIN);
    const mix = [...counts].filter(([k]) => k !== "failed").map(([k, v]) => `${k} ${v}`).join(", ");
    recordCases("soak", `${SECONDS} s at ${RATE_PER_SECOND}/s [${engine}]`, sent, sent - failed - dropped);
    recordFigure("soak", "run", `${SECONDS} s, ${sent} requests at ${RATE_PER_SECOND}/s over 2 processes (${engine}); ${mix}; ${failed} failed, ${dropped} dropped`);
    trends.forEach((t, k) =>
      recordFigure(
        "soak",
        `process ${k + 1} memory`,
        `heap trend ${t.heap.toFixed(3)} MB/min (bound ${HEAP_BOUND_MB_PER_MIN}), RSS trend ${t.rss.toFixed(3)} MB/min (bound ${RSS_BOUND_MB_PER_MIN}); at end heap ${t.heapEnd.toFixed(1)} MB, RSS ${t.rssEnd.toFixed(1)} MB; ${t.samples} samples`,
      ),
    );
    if (failures.length > 0) recordFigure("soak", "failures (first 20)", failures.join("; "));
    recordFault({ fault: `soak: ${SECONDS} s mixed traffic`, engine, requests: sent, unavailable: 0, hung: dropped, lostWrites: 0, halfWritten: health.halfWritten, duplicates: health.duplicates, recovered: failed === 0 });

    expect(failures).toEqual([]);
    expect({ failed, dropped }).toEqual({ failed: 0, dropped: 0 });
    expect(created).toBeGreaterThan(0);
    expect(health).toEqual({ duplicates: 0, halfWritten: 0 });
    for (const t of trends) {
      expect(t.samples).toBeGreaterThan(SECONDS / 2);
      expect(t.heap).toBeLessThan(HEAP_BOUND_MB_PER_MIN);
      expect(t.rss).toBeLessThan(RSS_BOUND_MB_PER_MIN);
    }
    expect(bridges.every((b) => b.child.exitCode === null)).toBe(true);
  });
});
