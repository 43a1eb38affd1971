/**
 * The REST store under BIS's failure modes, through a real bridge on the reference fake API
 * (test/support/bis-rest-server.ts): 429 and 503 with Retry-After, answers slower than
 * store.timeoutMs, connections dropped before the write and after it (a lost answer), on each
 * write Entra makes. No fault may yield a second employee, a lost update or a wrong answer; past
 * the deadline Entra gets 503 with Retry-After, and its retry takes effect exactly once. Also:
 * OAuth tokens cached and refreshed once, the shared rate limit, BIS's validation errors as SCIM
 * 400s, and no secret in logs or answers.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Employee, Fault } from "../support/bis-rest-server.js";
import { entraUser } from "../support/bridge-harness.js";
import { mappingVariant } from "../support/mapping-variant.js";
import { REST_REFERENCE_MAPPING } from "../support/paths.js";
import { API_KEY, bridgeOnRestApi, CLIENT_SECRET, type RestContext } from "../support/rest-backend.js";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const EMPLOYEES = "/api/v1/employees";
/** The look-ups by e-mail (the bridge's own health probe pages the collection instead). */
const BY_EMAIL = `${EMPLOYEES}?email=`;
const filter = (expression: string) => `/Users?filter=${encodeURIComponent(expression)}`;

function employeesWithEmail(t: RestContext, email: string): Employee[] {
  return [...t.server.employees.values()].filter((e) => e.email.toLowerCase() === email.toLowerCase());
}

/** The calls the fake API received since `from` with this method and path (relative to /api/v1). */
function calls(t: RestContext, from: number, method: string, path: string) {
  return t.server.requests.slice(from).filter((r) => r.method === method && r.path === path);
}

/** Runs a SCIM request and tells how long it took. */
async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = Date.now();
  const result = await work();
  return { result, ms: Date.now() - start };
}

/** BIS answers a look-up `status` with Retry-After: Entra gets 503 with BIS's Retry-After at once, not after waiting it out. */
async function expectRetryAfterPassedOn(t: RestContext, status: number, retryAfter: number): Promise<void> {
  t.server.faults.push({ method: "GET", path: BY_EMAIL, status, retryAfter });
  const answer = await timed(() => t.bridge.request("GET", filter('userName eq "nobody@contoso.com"')));
  expect(answer.result.status).toBe(503);
  expect(answer.result.headers.get("retry-after")).toBe(String(retryAfter));
  expect(answer.ms).toBeLessThan(1000);
}

interface FaultCase {
  readonly name: string;
  readonly fault: Omit<Fault, "method" | "path">;
  /** The write reached BIS before the fault (the answer was lost): it must not be sent again. */
  readonly lostAnswer?: boolean;
  /** The SCIM request must have waited this long (BIS's Retry-After). */
  readonly waitsMs?: number;
  /** A late attempt may still land: wait this long before asserting what BIS holds. */
  readonly settleMs?: number;
}

const FAULTS: readonly FaultCase[] = [
  { name: "429 with Retry-After", fault: { status: 429, retryAfter: 1 }, waitsMs: 1000 },
  { name: "503 with Retry-After", fault: { status: 503, retryAfter: 1 }, waitsMs: 1000 },
  { name: "an answer slower than store.timeoutMs", fault: { delayMs: 700 }, settleMs: 800 },
  { name: "a connection dropped before the write", fault: { drop: true } },
  { name: "a connection dropped after the write (lost answer)", fault: { drop: true, afterWrite: true }, lostAnswer: true },
];

describe("each write Entra makes survives each fault of BIS's API", () => {
  const t = bridgeOnRestApi({ store: { timeoutMs: 300, deadlineMs: 5000, retries: 4 } });

  it.each(FAULTS)("$name: create, PATCH, deactivate and DELETE each take effect exactly once", async ({ name, fault, lostAnswer, waitsMs, settleMs }) => {
    const email = `${name.replace(/\W+/g, " ").trim().replaceAll(" ", "-")}@contoso.com`;
    const settle = () => sleep(settleMs ?? 0);

    // Create: one employee, made by exactly one POST.
    let from = t.server.requests.length;
    t.server.faults.push({ method: "POST", path: EMPLOYEES, ...fault });
    const create = await timed(() => t.bridge.request("POST", "/Users", entraUser(email)));
    await settle();
    expect(create.result.status).toBe(201);
    if (waitsMs) expect(create.ms).toBeGreaterThanOrEqual(waitsMs - 50);
    const id = Number(create.result.body.id);
    expect(employeesWithEmail(t, email).map((e) => e.employeeId)).toEqual([id]);
    const posts = calls(t, from, "POST", "/employees");
    expect(posts.filter((r) => r.status === 201)).toHaveLength(lostAnswer ? 0 : 1);
    if (lostAnswer) expect(posts).toHaveLength(1);

    // PATCH: the change is there, and stays there once any late attempt has landed.
    from = t.server.requests.length;
    t.server.faults.push({ method: "PATCH", path: `${EMPLOYEES}/${id}`, ...fault });
    const patch = await timed(() =>
      t.bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "title", value: "Lead" }, { op: "Replace", path: "name.familyName", value: "Doe-Smith" }] }),
    );
    await settle();
    expect(patch.result.status).toBe(200);
    expect(patch.result.body).toMatchObject({ title: "Lead", name: { familyName: "Doe-Smith" } });
    if (waitsMs) expect(patch.ms).toBeGreaterThanOrEqual(waitsMs - 50);
    expect(t.server.employees.get(id)).toMatchObject({ jobTitle: "Lead", lastName: "Doe-Smith", firstName: "Jane", status: "ACTIVE" });
    expect(calls(t, from, "PATCH", `/employees/${id}`).length).toBeGreaterThanOrEqual(lostAnswer || fault.drop || fault.delayMs ? 2 : 1);

    // Deactivate: a POST, not idempotent; after a lost answer, the user's state shows it was made.
    from = t.server.requests.length;
    t.server.faults.push({ method: "POST", path: `${EMPLOYEES}/${id}/deactivate`, ...fault });
    const disable = await timed(() => t.bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "False" }] }));
    await settle();
    expect(disable.result.status).toBe(200);
    expect(disable.result.body.active).toBe(false);
    if (waitsMs) expect(disable.ms).toBeGreaterThanOrEqual(waitsMs - 50);
    expect(t.server.employees.get(id)).toMatchObject({ status: "INACTIVE", jobTitle: "Lead" });
    if (lostAnswer) expect(calls(t, from, "POST", `/employees/${id}/deactivate`)).toHaveLength(1);
    expect((await t.bridge.request("GET", `/Users/${id}`)).body.active).toBe(false);

    // DELETE: gone, answered 204 even when BIS's own answer was lost.
    from = t.server.requests.length;
    t.server.faults.push({ method: "DELETE", path: `${EMPLOYEES}/${id}`, ...fault });
    const remove = await timed(() => t.bridge.request("DELETE", `/Users/${id}`));
    await settle();
    expect(remove.result.status).toBe(204);
    if (waitsMs) expect(remove.ms).toBeGreaterThanOrEqual(waitsMs - 50);
    expect(t.server.employees.has(id)).toBe(false);
    if (lostAnswer) expect(calls(t, from, "DELETE", `/employees/${id}`)).toHaveLength(1);
    expect((await t.bridge.request("GET", `/Users/${id}`)).status).toBe(404);

    expect(t.server.faults).toEqual([]);
    expect(t.bridge.logs.text()).not.toContain(API_KEY);
  });
});

describe("past the request deadline", () => {
  const t = bridgeOnRestApi({ store: { timeoutMs: 300, deadlineMs: 1500, retries: 4 } });

  const unavailable = (method: string, path: string, times: number): Fault[] => Array.from({ length: times }, () => ({ method, path, status: 503, retryAfter: 1 }));

  it("answers a create 503 with BIS's Retry-After and no employee; Entra's retry then creates exactly one", async () => {
    const email = "deadline.create@contoso.com";
    t.server.faults.push(...unavailable("POST", EMPLOYEES, 3));
    const first = await timed(() => t.bridge.request("POST", "/Users", entraUser(email)));
    expect(first.result.status).toBe(503);
    expect(first.result.headers.get("retry-after")).toBe("1");
    expect(first.result.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "503" });
    expect(first.ms).toBeLessThan(1500 + 500);
    expect(employeesWithEmail(t, email)).toEqual([]);
    t.server.faults.length = 0;

    const from = t.server.requests.length;
    const retry = await t.bridge.request("POST", "/Users", entraUser(email));
    expect(retry.status).toBe(201);
    expect(employeesWithEmail(t, email).map((e) => e.employeeId)).toEqual([Number(retry.body.id)]);
    expect(calls(t, from, "POST", "/employees")).toHaveLength(1);
  });

  it("answers 503 when a create's answer is lost and BIS stays down past the deadline; Entra's next cycle finds the one employee", async () => {
    const email = "deadline.lost@contoso.com";
    // The POST is made but its answer lost, and BIS is down for the look-ups that would confirm it.
    t.server.faults.push({ method: "POST", path: EMPLOYEES, drop: true, afterWrite: true, then: unavailable("GET", BY_EMAIL, 3) });
    const first = await t.bridge.request("POST", "/Users", entraUser(email));
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("1");
    t.server.faults.length = 0;
    expect(employeesWithEmail(t, email)).toHaveLength(1);

    // Entra's escrow retry matches first, finds the user, and updates it.
    const found = await t.bridge.request("GET", filter(`userName eq "${email}"`));
    expect(found.body.totalResults).toBe(1);
    const id = found.body.Resources[0].id;
    const patched = await t.bridge.request("PATCH", `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "title", value: "Lead" }] });
    expect(patched.status).toBe(200);
    expect(employeesWithEmail(t, email)).toMatchObject([{ employeeId: Number(id), jobTitle: "Lead" }]);
  });

  it("answers a PATCH 503 and leaves the user as it was; Entra's retry applies it once", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("deadline.patch@contoso.com"));
    const id = Number(created.body.id);
    t.server.faults.push(...unavailable("PATCH", `${EMPLOYEES}/${id}`, 3));
    const update = { schemas: [PATCH], Operations: [{ op: "Replace", path: "title", value: "Lead" }] };
    const first = await t.bridge.request("PATCH", `/Users/${id}`, update);
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("1");
    expect(t.server.employees.get(id)!.jobTitle).toBe("Operator");
    t.server.faults.length = 0;
    const from = t.server.requests.length;
    const retry = await t.bridge.request("PATCH", `/Users/${id}`, update);
    expect(retry.status).toBe(200);
    expect(t.server.employees.get(id)!.jobTitle).toBe("Lead");
    expect(calls(t, from, "PATCH", `/employees/${id}`)).toHaveLength(1);
  });

  it("does not wait out a Retry-After that ends past the deadline", async () => {
    await expectRetryAfterPassedOn(t, 429, 5);
  });

  it("answers 503 with Retry-After when every answer is slower than timeoutMs, after at most the deadline", async () => {
    for (let i = 0; i < 10; i++) t.server.faults.push({ method: "GET", path: BY_EMAIL, delayMs: 600 });
    const answer = await timed(() => t.bridge.request("GET", filter('userName eq "slow@contoso.com"')));
    t.server.faults.length = 0;
    expect(answer.result.status).toBe(503);
    expect(Number(answer.result.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(answer.ms).toBeLessThan(1500 + 500);
  });
});

describe("OAuth2 client credentials", () => {
  const t = bridgeOnRestApi({ server: { auth: { kind: "oauth", clientId: "bridge", clientSecret: CLIENT_SECRET, tokenSeconds: 3600 } } });

  it("asks for one token and uses it for every call", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("oauth@contoso.com"));
    expect(created.status).toBe(201);
    await Promise.all(Array.from({ length: 5 }, () => t.bridge.request("GET", `/Users/${created.body.id}`)));
    expect(t.server.requests.length).toBeGreaterThanOrEqual(7);
    expect(t.server.tokenRequests).toBe(1);
  });

  it("renews an expired token once on BIS's 401, and the calls succeed", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("oauth.expiry@contoso.com"));
    const tokens = t.server.tokenRequests;
    t.server.expireTokens();
    const from = t.server.requests.length;
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.bridge.request("GET", `/Users/${created.body.id}`)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(t.server.tokenRequests).toBe(tokens + 1);
    // Each call refused with the old token was sent again once, with the new one.
    const reads = calls(t, from, "GET", `/employees/${created.body.id}`);
    const refused = reads.filter((r) => r.status === 401).length;
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(reads.map((r) => r.status).sort()).toEqual([...Array(5).fill(200), ...Array(refused).fill(401)]);
  });

  it("never writes the client secret or a token to the logs or into an answer", async () => {
    // Faults that make the bridge log and answer errors: BIS down, a validation error.
    t.server.faults.push(...Array.from({ length: 5 }, () => ({ method: "GET", path: BY_EMAIL, status: 503 })));
    const down = await t.bridge.request("GET", filter('userName eq "x@contoso.com"'));
    t.server.faults.length = 0;
    const invalid = await t.bridge.request("POST", "/Users", entraUser("bad.date@contoso.com", { "urn:ietf:params:scim:schemas:extension:BIS:2.0:User": { startdate: "2024-02-30" } }));
    expect([down.status, invalid.status]).toEqual([503, 400]);
    const secrets = [CLIENT_SECRET, ...t.server.issuedTokens()];
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    const logs = t.bridge.logs.text();
    expect(logs).toContain("BIS unavailable");
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(JSON.stringify([down.body, invalid.body])).not.toContain(secret);
    }
  });
});

describe("OAuth2 with a client secret BIS refuses", () => {
  const t = bridgeOnRestApi({
    server: { auth: { kind: "oauth", clientId: "bridge", clientSecret: "the-right-secret-0123456789", tokenSeconds: 3600 } },
    store: { auth: { kind: "oauth2", tokenUrl: "/oauth/token", clientId: "bridge", clientSecret: CLIENT_SECRET } },
  });

  it("answers 503 naming the setting to check, never the secret", async () => {
    const answer = await t.bridge.request("GET", filter('userName eq "x@contoso.com"'));
    expect(answer.status).toBe(503);
    expect(JSON.stringify(answer.body)).not.toContain(CLIENT_SECRET);
    expect(t.bridge.logs.text()).toContain("clientSecret");
    expect(t.bridge.logs.text()).not.toContain(CLIENT_SECRET);
  });
});

describe("the client-side rate limit", () => {
  const t = bridgeOnRestApi({ store: { timeoutMs: 2000, requestsPerSecond: 10 } });

  it("is shared by all in-flight requests: 40 concurrent SCIM requests never make BIS answer 429", async () => {
    const from = t.server.requests.length;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 4 === 0 ? t.bridge.request("POST", "/Users", entraUser(`burst${i}@contoso.com`)) : t.bridge.request("GET", filter(`userName eq "burst${i - (i % 4)}@contoso.com"`)),
      ),
    );
    expect(answers.filter((a) => a.status >= 300).map((a) => a.status)).toEqual([]);
    const seen = t.server.requests.slice(from);
    expect(seen.length).toBeGreaterThanOrEqual(50);
    expect(seen.filter((r) => r.status === 429)).toEqual([]);
    expect(t.server.employees.size).toBe(10);
  });
});

describe("with no retries left", () => {
  const t = bridgeOnRestApi({ store: { timeoutMs: 300, deadlineMs: 5000, retries: 0 } });

  it("answers 503 with BIS's Retry-After at once instead of waiting it out for nothing", async () => {
    await expectRetryAfterPassedOn(t, 503, 2);
  });
});

describe("a call queued behind the rate limit", () => {
  const t = bridgeOnRestApi({ store: { timeoutMs: 300, deadlineMs: 10_000, requestsPerSecond: 2 } });

  it("is not timed out while it waits for its turn: timeoutMs counts from when it may go", async () => {
    const from = t.server.requests.length;
    const burst = await timed(() => Promise.all(Array.from({ length: 6 }, (_, i) => t.bridge.request("GET", filter(`userName eq "queued${i}@contoso.com"`)))));
    expect(burst.result.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // Two calls a second: the last pair waited two seconds for its turn, far past timeoutMs.
    expect(burst.ms).toBeGreaterThanOrEqual(2000);
    expect(t.server.requests.slice(from).filter((r) => r.query.email !== undefined).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });
});

describe("BIS's validation errors", () => {
  // A consultant dropped `required` from the province; BIS still insists on it.
  const t = bridgeOnRestApi({ mapping: mappingVariant((yaml) => yaml.replace("field: address.province, required: true", "field: address.province"), REST_REFERENCE_MAPPING) });

  it("become SCIM 400 invalidValue naming the SCIM attribute, and nothing is written", async () => {
    const created = await t.bridge.request("POST", "/Users", entraUser("no.province@contoso.com", { addresses: [{ type: "work", country: "CA" }] }));
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ scimType: "invalidValue" });
    expect(created.body.detail).toBe('BIS refused the values: addresses[type eq "work"].region: required');
    expect(employeesWithEmail(t, "no.province@contoso.com")).toEqual([]);

    const user = await t.bridge.request("POST", "/Users", entraUser("province@contoso.com"));
    const removed = await t.bridge.request("PATCH", `/Users/${user.body.id}`, { schemas: [PATCH], Operations: [{ op: "remove", path: 'addresses[type eq "work"].region' }] });
    expect(removed.status).toBe(400);
    expect(removed.body.detail).toContain('addresses[type eq "work"].region: required');
    expect(t.server.employees.get(Number(user.body.id))!.address.province).toBe("AB");
  });
});
