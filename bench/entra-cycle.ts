/**
 * Entra's traffic as autocannon request sequences (entra-scim-behaviour.md §2): the initial
 * cycle (probe, match by userName, PATCH the differences or create), the incremental cycle
 * (GET by cached id, PATCH, disable), and single operations for the bridge/direct ratio.
 * Each connection loops over its sequence for the phase's duration.
 */
import { randomUUID } from "node:crypto";
import autocannon, { type Request } from "autocannon";
import type { ServerHandle } from "./bridge-client.js";
import { summarise, type LatencySummary } from "./latencies.js";
import type { MeasuredPhase } from "./report.js";
import { DEPARTMENTS, LOCATIONS, emailOf, isDeleted, isUniqueLiveUser } from "./population.js";

export interface Target {
  readonly scimUrl: string;
  readonly token: string;
}

export interface Scenario {
  readonly name: string;
  /** SCIM requests per loop of one connection. */
  readonly requests: (basePath: string) => Request[];
}

export interface HttpPhaseResult {
  readonly name: string;
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latency: LatencySummary;
  /** Non-2xx answers and connection errors: both must be zero for a valid run. */
  readonly failures: number;
  readonly statuses: Record<string, number>;
}

const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const JSON_TYPE = { "content-type": "application/scim+json" };

/** Random users of the seeded population (1..total), by what a request needs of them. */
export class UserPicker {
  constructor(readonly total: number) {}
  /** A live user Entra's match finds exactly once. */
  uniqueLive(): number {
    for (;;) {
      const i = this.#any();
      if (isUniqueLiveUser(i, this.total)) return i;
    }
  }
  /** Any user that is not soft-deleted (GET and PATCH answer 404 for those). */
  live(): number {
    for (;;) {
      const i = this.#any();
      if (!isDeleted(i)) return i;
    }
  }
  #any(): number {
    return 1 + Math.floor(Math.random() * this.total);
  }
}

const filterPath = (basePath: string, email: string) => `${basePath}/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`;
const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
let created = 0;

/** A create as Entra sends it for BIS (entra-scim-behaviour.md §7). */
function createBody(email: string): string {
  created += 1;
  return JSON.stringify({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    externalId: randomUUID(),
    userName: email,
    active: true,
    name: { givenName: "Nora", familyName: "Bench", formatted: "Nora Bench" },
    emails: [{ primary: true, type: "work", value: email }],
    addresses: [{ type: "work", region: "AB", country: "CA", locality: "Calgary", streetAddress: "1 Main St" }],
    phoneNumbers: [{ type: "work", value: "+1 403 555 0100" }, { type: "mobile", value: "+1 587 555 0199" }],
    title: "Operator",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: `N${process.pid}-${created}`, department: pick(DEPARTMENTS) },
    "urn:ietf:params:scim:schemas:extension:BIS:2.0:User": { location: pick(LOCATIONS), startdate: "2024-05-01T00:00:00Z" },
  });
}

const patchBody = (operations: readonly Record<string, unknown>[]) => JSON.stringify({ schemas: [PATCH_OP], Operations: operations });

/** Stores the id of the (only) user a filter found, for the PATCH that follows. */
function rememberFoundId(_status: number, body: string, context: Record<string, unknown>): void {
  context.id = (JSON.parse(body) as { Resources?: { id: string }[] }).Resources?.[0]?.id;
}

export function initialCycle(picker: UserPicker): Scenario {
  return {
    name: "initial cycle",
    requests: (basePath) => [
      { method: "GET", setupRequest: (req) => ({ ...req, path: filterPath(basePath, randomUUID()) }) },
      {
        method: "GET",
        setupRequest: (req) => ({ ...req, path: filterPath(basePath, emailOf(picker.uniqueLive())) }),
        onResponse: rememberFoundId,
      },
      {
        method: "PATCH",
        headers: JSON_TYPE,
        // Entra PATCHes only what differs: here the link (externalId) and a changed title.
        setupRequest: (req, context) =>
          context.id === undefined
            ? undefined
            : {
                ...req,
                path: `${basePath}/Users/${context.id}`,
                body: patchBody([
                  { op: "Replace", path: "externalId", value: randomUUID() },
                  { op: "Replace", path: "title", value: pick(["Field Operator", "Lead Technician", "Safety Officer"]) },
                ]),
              },
      },
      {
        method: "GET",
        setupRequest: (req, context) => {
          context.email = `entra.${randomUUID()}@contoso-bis.example`;
          return { ...req, path: filterPath(basePath, context.email as string) };
        },
      },
      { method: "POST", headers: JSON_TYPE, setupRequest: (req, context) => ({ ...req, path: `${basePath}/Users`, body: createBody(context.email as string) }) },
    ],
  };
}

export function incrementalCycle(picker: UserPicker): Scenario {
  return {
    name: "incremental cycle",
    requests: (basePath) => [
      {
        method: "GET",
        setupRequest: (req, context) => {
          context.id = picker.live();
          return { ...req, path: `${basePath}/Users/${context.id}` };
        },
      },
      {
        method: "PATCH",
        headers: JSON_TYPE,
        setupRequest: (req, context) => ({
          ...req,
          path: `${basePath}/Users/${context.id}`,
          body: patchBody([
            { op: "Replace", path: "name.familyName", value: `Renamed-${randomUUID().slice(0, 8)}` },
            { op: "Replace", path: 'addresses[type eq "work"].locality', value: pick(["Calgary", "Edmonton", "Red Deer"]) },
          ]),
        }),
      },
      // Out of scope in Entra: disabled with the string "False", as Entra sends it.
      {
        method: "PATCH",
        headers: JSON_TYPE,
        setupRequest: (req, context) => ({ ...req, path: `${basePath}/Users/${context.id}`, body: patchBody([{ op: "Replace", path: "active", value: "False" }]) }),
      },
    ],
  };
}

/** The three operations compared with direct database calls (direct.ts does the same work). */
export const singleOperations = (picker: UserPicker): Record<"filter" | "get" | "patch", Scenario> => ({
  filter: {
    name: "filter userName eq",
    requests: (basePath) => [{ method: "GET", setupRequest: (req) => ({ ...req, path: filterPath(basePath, emailOf(picker.live())) }) }],
  },
  get: {
    name: "GET /Users/{id}",
    requests: (basePath) => [{ method: "GET", setupRequest: (req) => ({ ...req, path: `${basePath}/Users/${picker.live()}` }) }],
  },
  patch: {
    name: "PATCH familyName",
    requests: (basePath) => [
      {
        method: "PATCH",
        headers: JSON_TYPE,
        setupRequest: (req) => ({
          ...req,
          path: `${basePath}/Users/${picker.live()}`,
          body: patchBody([{ op: "Replace", path: "name.familyName", value: `Renamed-${randomUUID().slice(0, 8)}` }]),
        }),
      },
    ],
  },
});

export async function runHttpPhase(target: Target, scenario: Scenario, options: { connections: number; durationSeconds: number }): Promise<HttpPhaseResult> {
  const url = new URL(target.scimUrl);
  const samples: number[] = [];
  const common = { authorization: `Bearer ${target.token}`, accept: "application/scim+json" };
  const instance = autocannon({
    url: url.origin,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 30,
    // A request's own headers replace the common ones in autocannon, so merge them here.
    requests: scenario.requests(url.pathname).map((request) => ({ ...request, headers: { ...common, ...request.headers } })),
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => samples.push(responseTime));
  const result = await instance;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count]));
  const requests = samples.length;
  return {
    name: scenario.name,
    requests,
    seconds: result.duration,
    requestsPerSecond: requests / result.duration,
    latency: summarise(samples),
    failures: result.non2xx + result.errors,
    statuses,
  };
}

/** A phase against one of the bench's server processes, with that process's statements and CPU time per request. */
export async function measuredPhase(server: ServerHandle, scenario: Scenario, options: { connections: number; durationSeconds: number }): Promise<MeasuredPhase> {
  const before = await server.counters();
  const phase = await runHttpPhase(server, scenario, options);
  const after = await server.counters();
  const requests = Math.max(1, phase.requests);
  return { ...phase, queriesPerRequest: (after.queries - before.queries) / requests, cpuMsPerRequest: (after.cpuMs - before.cpuMs) / requests };
}
