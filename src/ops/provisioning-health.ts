/**
 * Provisioning health as Entra will judge it. Entra quarantines a provisioning job when more
 * than 40% of its events fail or failures exceed 40,000 (evaluated from 5,000 failures on), and
 * retries a failed user cycle after cycle for weeks ("escrow"). This tracks, from the requests
 * the bridge answers: events and failures over a rolling window and per Entra cycle (a cycle
 * starts with Entra's probe query, or after a quiet spell), the users whose last write failed
 * (grouped by the rule they broke, with the fix), and a state: healthy, at risk, quarantine likely.
 *
 * An event is a write (create, replace, patch, delete) or a failed read of one user (a GET by id
 * answered 404 is Entra's InvalidAnchor): Entra counts objects, and its probe and matching
 * queries are not failures of an object. Personal data stays in this process's memory; what is
 * shown is masked as `log.maskFields` says.
 */
import { emailIdentity } from "../identity/email-identity.js";
import { fixFor, reasonClass } from "../mapping/error-advice.js";

/** Entra's quarantine thresholds (entra-scim-behaviour: "Errors as Entra handles them"). */
export const ENTRA_QUARANTINE = { evaluatedFrom: 5_000, failedShare: 0.4, failures: 40_000 } as const;

export type HealthState = "healthy" | "at risk" | "quarantine likely";

export interface ProvisioningEvent {
  readonly at: Date;
  /** The SCIM operation (create, patch, query, ...); undefined when refused before it became one. */
  readonly operation?: string;
  readonly status: number;
  /** Entra's probe: `userName eq "<random GUID>"`, at the start of every cycle. */
  readonly probe?: boolean;
  /** The user's userName, when the request names it (a create's body, the user a PATCH found). */
  readonly userName?: string;
  readonly bisId?: string;
  readonly scimType?: string;
  readonly detail?: string;
}

export interface Cycle {
  readonly number: number;
  readonly started: Date;
  readonly lastEvent: Date;
  /** True when Entra's probe opened it (else a quiet spell did). */
  readonly probed: boolean;
  readonly events: number;
  readonly failures: number;
}

export interface FailingUser {
  readonly userName?: string;
  readonly bisId?: string;
  readonly status: number;
  readonly detail: string;
  readonly reason: string;
  readonly fix: string;
  /** How many cycles refused this user, without a success since. */
  readonly cycles: number;
  readonly firstFailed: Date;
  readonly lastFailed: Date;
}

export interface ErrorGroup {
  readonly reason: string;
  readonly fix: string;
  readonly users: readonly FailingUser[];
  /** The values the refused requests sent for the attribute the rule names (most sent first). */
  readonly values: readonly { readonly attribute: string; readonly value: string; readonly users: number }[];
}

/** The attribute and the value an error's detail quotes first: `country "Canada" is not ...`. */
export function sentValue(detail: string): { attribute: string; value: string } | undefined {
  const match = detail.match(/^((?:urn:[^\s"]+:)?[\w.]+(?:\[type eq "[^"]*"\][\w.]*)?):? "([^"]*)"/);
  return match ? { attribute: match[1]!, value: match[2]! } : undefined;
}

export interface HealthReport {
  readonly state: HealthState;
  /** Why the state is what it is, in words. */
  readonly reasons: readonly string[];
  readonly window: { readonly hours: number; readonly events: number; readonly failures: number; readonly share: number };
  /** Newest first. */
  readonly cycles: readonly Cycle[];
  /** Users refused in `escrowCycles` cycles or more, without a success since: Entra keeps retrying them. */
  readonly escrow: readonly FailingUser[];
  /** Users whose last write failed, by the rule they broke, most users first. */
  readonly groups: readonly ErrorGroup[];
  /** Events and failures per hour over the window, oldest first. */
  readonly hourly: readonly { readonly hour: Date; readonly events: number; readonly failures: number }[];
}

export interface HealthOptions {
  /** Minutes without a request after which the next one starts a new cycle. */
  readonly quietMinutes?: number;
  readonly windowHours?: number;
  /** Events a cycle needs before its share of failures decides the state. */
  readonly minEvents?: number;
  readonly escrowCycles?: number;
  /** Failing users kept (the oldest go first past it). */
  readonly maxUsers?: number;
}

export interface ProvisioningHealth {
  record(event: ProvisioningEvent): void;
  report(now?: Date, backendUp?: boolean): HealthReport;
  /** Cycles seen since start (a counter). */
  readonly cyclesSeen: number;
}

const WRITES = new Set(["create", "adopt", "replace", "patch", "delete"]);
const MINUTE = 60_000;

interface MutableCycle {
  number: number;
  started: Date;
  lastEvent: Date;
  probed: boolean;
  events: number;
  failures: number;
}

interface Failing {
  userName?: string;
  bisId?: string;
  status: number;
  detail: string;
  cycles: Set<number>;
  firstFailed: Date;
  lastFailed: Date;
}

export function createProvisioningHealth(options: HealthOptions = {}): ProvisioningHealth {
  const quiet = (options.quietMinutes ?? 10) * MINUTE;
  const windowHours = options.windowHours ?? 24;
  const minEvents = options.minEvents ?? 10;
  const escrowCycles = options.escrowCycles ?? 2;
  const maxUsers = options.maxUsers ?? 50_000;
  const cycles: MutableCycle[] = [];
  /** Events and failures per minute (epoch minute -> counts), pruned past the window. */
  const minutes = new Map<number, { events: number; failures: number }>();
  const failing = new Map<string, Failing>();
  let cyclesSeen = 0;
  let lastRequest: Date | undefined;

  function cycleFor(event: ProvisioningEvent): MutableCycle {
    const current = cycles[0];
    const quietSpell = !lastRequest || event.at.getTime() - lastRequest.getTime() > quiet;
    if (current && !event.probe && !quietSpell) return current;
    // Entra's probe opens a cycle; a second probe within one (Test Connection) does not open another empty one.
    if (current && event.probe && current.events === 0 && !quietSpell) return current;
    cyclesSeen += 1;
    const cycle = { number: cyclesSeen, started: event.at, lastEvent: event.at, probed: event.probe === true, events: 0, failures: 0 };
    cycles.unshift(cycle);
    if (cycles.length > 50) cycles.length = 50;
    return cycle;
  }

  let prunedAt = 0;
  /** Drops the minutes past the window (at most once a minute: the buckets are per minute). */
  function prune(now: Date): void {
    const current = Math.floor(now.getTime() / MINUTE);
    if (current === prunedAt) return;
    prunedAt = current;
    const oldest = current - windowHours * 60;
    for (const minute of minutes.keys()) if (minute < oldest) minutes.delete(minute);
  }

  return {
    get cyclesSeen() {
      return cyclesSeen;
    },
    record(event) {
      // 401s and bodies refused on arrival are no object's event (and may not be Entra's).
      if (!event.operation) return;
      const cycle = cycleFor(event);
      lastRequest = event.at;
      cycle.lastEvent = event.at;
      const failed = event.status >= 400;
      const counts = WRITES.has(event.operation) || (failed && event.operation === "get");
      if (!counts) return;
      cycle.events += 1;
      if (failed) cycle.failures += 1;
      const minute = Math.floor(event.at.getTime() / MINUTE);
      const bucket = minutes.get(minute) ?? { events: 0, failures: 0 };
      bucket.events += 1;
      if (failed) bucket.failures += 1;
      minutes.set(minute, bucket);
      prune(event.at);

      // A created user's failure is found again by its mailbox; its later writes by its BIS id.
      const keys = [event.userName ? `mailbox:${emailIdentity(event.userName)}` : undefined, event.bisId ? `id:${event.bisId}` : undefined].filter((k): k is string => k !== undefined);
      if (!failed) {
        for (const key of keys) failing.delete(key);
        return;
      }
      // Kept under the BIS id when the request names one, else under the mailbox.
      const key = keys.at(-1);
      if (!key) return;
      const known = keys.map((k) => failing.get(k)).find(Boolean);
      for (const k of keys) if (k !== key) failing.delete(k);
      const entry: Failing = known ?? { cycles: new Set(), firstFailed: event.at, lastFailed: event.at, status: event.status, detail: "" };
      entry.userName = event.userName ?? entry.userName;
      entry.bisId = event.bisId ?? entry.bisId;
      entry.status = event.status;
      entry.detail = event.detail ?? `HTTP ${event.status}`;
      entry.lastFailed = event.at;
      entry.cycles.add(cycle.number);
      failing.delete(key);
      failing.set(key, entry);
      if (failing.size > maxUsers) failing.delete(failing.keys().next().value!);
    },
    report(now = new Date(), backendUp) {
      prune(now);
      const window = { hours: windowHours, events: 0, failures: 0, share: 0 };
      for (const bucket of minutes.values()) {
        window.events += bucket.events;
        window.failures += bucket.failures;
      }
      window.share = window.events === 0 ? 0 : window.failures / window.events;
      const users: FailingUser[] = [...failing.values()].map((f) => ({
        ...(f.userName !== undefined && { userName: f.userName }),
        ...(f.bisId !== undefined && { bisId: f.bisId }),
        status: f.status,
        detail: f.detail,
        reason: `${f.status} ${reasonClass(f.detail)}`,
        fix: fixFor(f.detail, f.status),
        cycles: f.cycles.size,
        firstFailed: f.firstFailed,
        lastFailed: f.lastFailed,
      }));
      const escrow = users.filter((u) => u.cycles >= escrowCycles).sort((a, b) => b.cycles - a.cycles);
      const byReason = new Map<string, FailingUser[]>();
      for (const user of users) byReason.set(user.reason, [...(byReason.get(user.reason) ?? []), user]);
      const groups = [...byReason.entries()]
        .map(([reason, members]) => ({ reason, fix: members[0]!.fix, users: members, values: valuesSent(members) }))
        .sort((a, b) => b.users.length - a.users.length);

      const reasons: string[] = [];
      let state: HealthState = "healthy";
      const raise = (to: HealthState, why: string) => {
        reasons.push(why);
        if (to === "quarantine likely" || state === "healthy") state = to;
      };
      const percent = (share: number) => `${Math.round(share * 100)}%`;
      const latest = cycles.find((c) => c.events > 0);
      const latestShare = latest ? latest.failures / latest.events : 0;
      if (window.failures > ENTRA_QUARANTINE.failures) raise("quarantine likely", `${window.failures.toLocaleString("en")} failures in ${windowHours} h: Entra quarantines past ${ENTRA_QUARANTINE.failures.toLocaleString("en")}`);
      if (window.failures >= ENTRA_QUARANTINE.evaluatedFrom && window.share > ENTRA_QUARANTINE.failedShare) raise("quarantine likely", `${percent(window.share)} of ${window.events} events failed in ${windowHours} h: Entra quarantines past ${percent(ENTRA_QUARANTINE.failedShare)} once failures reach ${ENTRA_QUARANTINE.evaluatedFrom.toLocaleString("en")}`);
      if (latest && latest.events >= minEvents && latestShare > ENTRA_QUARANTINE.failedShare) {
        raise("quarantine likely", `${percent(latestShare)} of cycle ${latest.number}'s ${latest.events} events failed: past Entra's ${percent(ENTRA_QUARANTINE.failedShare)}, which it enforces once failures reach ${ENTRA_QUARANTINE.evaluatedFrom.toLocaleString("en")}`);
      } else if (latest && latest.events >= minEvents && latestShare > ENTRA_QUARANTINE.failedShare / 2) {
        raise("at risk", `${percent(latestShare)} of cycle ${latest.number}'s ${latest.events} events failed (Entra quarantines past ${percent(ENTRA_QUARANTINE.failedShare)})`);
      }
      if (window.events >= minEvents && window.share > ENTRA_QUARANTINE.failedShare / 2 && window.share <= ENTRA_QUARANTINE.failedShare) raise("at risk", `${percent(window.share)} of ${window.events} events failed in ${windowHours} h`);
      if (escrow.length > 0) raise("at risk", `${escrow.length} user(s) refused in ${escrowCycles} cycles or more: Entra retries them for 28 days, then gives up`);
      if (backendUp === false) raise("at risk", "BIS is unreachable: every write fails until it is back");
      if (state === "healthy" && window.failures > 0 && window.events < minEvents) reasons.push(`${window.events} events so far, ${window.failures} failed: too few to judge (a verdict needs ${minEvents}); see what to fix below`);

      const hourly = [];
      const lastHour = Math.floor(now.getTime() / (60 * MINUTE));
      for (let hour = lastHour - windowHours + 1; hour <= lastHour; hour++) {
        let events = 0;
        let failures = 0;
        for (let m = hour * 60; m < hour * 60 + 60; m++) {
          const bucket = minutes.get(m);
          if (bucket) {
            events += bucket.events;
            failures += bucket.failures;
          }
        }
        hourly.push({ hour: new Date(hour * 60 * MINUTE), events, failures });
      }
      return { state, reasons, window, cycles: cycles.map((c) => ({ ...c })), escrow, groups, hourly };
    },
  };
}

/** How many of the users sent each value the rule refused. */
function valuesSent(users: readonly FailingUser[]): ErrorGroup["values"] {
  const counts = new Map<string, { attribute: string; value: string; users: number }>();
  for (const user of users) {
    const sent = sentValue(user.detail);
    if (!sent) continue;
    const key = `${sent.attribute}\u0000${sent.value}`;
    const entry = counts.get(key) ?? { ...sent, users: 0 };
    entry.users += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.users - a.users || a.value.localeCompare(b.value));
}
