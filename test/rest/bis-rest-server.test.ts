/**
 * The BIS REST server the REST store will be tested against behaves as the reference API
 * (docs/reference/bis-rest-api.md) says, failure modes included: the fake must be right
 * before a store is proven against it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BisRestServer } from "../support/bis-rest-server.js";

const employee = (email: string) => ({
  email,
  employeeNumber: "E-1",
  firstName: "Jane",
  lastName: "Doe",
  address: { province: "AB", country: "CA" },
  phones: { work: "+1 403 555 0100", mobile: null },
});

let server: BisRestServer;
afterEach(async () => {
  await server?.stop();
});

async function call(path: string, init: RequestInit & { key?: string } = {}) {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { "content-type": "application/json", "x-api-key": init.key ?? "k-123", ...init.headers },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe("the reference BIS REST API, as served for the tests", () => {
  it("creates, finds by e-mail case-insensitively, merges patches, deactivates and deletes", async () => {
    server = await new BisRestServer({ auth: { kind: "apiKey", key: "k-123" } }).start();
    const created = await call("/api/v1/employees", { method: "POST", body: JSON.stringify(employee("Jane@Contoso.com")) });
    expect(created.status).toBe(201);
    const id = created.body.employeeId;
    expect((await call("/api/v1/employees?email=jane@contoso.com")).body).toMatchObject({ total: 1, items: [{ employeeId: id }] });
    const duplicate = await call("/api/v1/employees", { method: "POST", body: JSON.stringify(employee("JANE@contoso.com")) });
    expect(duplicate).toMatchObject({ status: 409, body: { error: "DUPLICATE_EMAIL", existingId: id } });
    const patched = await call(`/api/v1/employees/${id}`, { method: "PATCH", body: JSON.stringify({ address: { city: "Calgary" }, jobTitle: "Lead" }) });
    expect(patched.body).toMatchObject({ jobTitle: "Lead", address: { city: "Calgary", province: "AB" } });
    const deactivated = await call(`/api/v1/employees/${id}/deactivate`, { method: "POST", body: JSON.stringify({ terminationDate: "2026-12-31" }) });
    expect(deactivated.body).toMatchObject({ status: "INACTIVE", terminationDate: "2026-12-31" });
    server.withTrainingRecords.add(id);
    expect((await call(`/api/v1/employees/${id}`, { method: "DELETE" })).body).toEqual({ error: "HAS_TRAINING_RECORDS" });
    server.withTrainingRecords.delete(id);
    expect((await call(`/api/v1/employees/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await call(`/api/v1/employees/${id}`)).status).toBe(404);
  });

  it("answers validation errors naming the field", async () => {
    server = await new BisRestServer({ auth: { kind: "apiKey", key: "k-123" } }).start();
    const response = await call("/api/v1/employees", { method: "POST", body: JSON.stringify({ ...employee("v@x.com"), address: { country: "CAN" } }) });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([
      { field: "address.province", message: "required" },
      { field: "address.country", message: "must be an ISO 3166-1 alpha-2 code" },
    ]);
  });

  it("refuses bad keys, expired OAuth tokens, and more than 10 requests a second", async () => {
    server = await new BisRestServer({ auth: { kind: "oauth", clientId: "bridge", clientSecret: "s3cret", tokenSeconds: 3600 } }).start();
    const form = (secret: string) => new URLSearchParams({ grant_type: "client_credentials", client_id: "bridge", client_secret: secret });
    expect((await fetch(`${server.url}/oauth/token`, { method: "POST", body: form("wrong") })).status).toBe(401);
    const { access_token: token } = await (await fetch(`${server.url}/oauth/token`, { method: "POST", body: form("s3cret") })).json();
    const bearer = { authorization: `Bearer ${token}` };
    expect((await call("/api/v1/employees", { headers: bearer, key: "" })).status).toBe(200);
    const statuses = await Promise.all(Array.from({ length: 12 }, () => call("/api/v1/employees", { headers: bearer, key: "" }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    server.expireTokens();
    expect((await call("/api/v1/employees", { headers: bearer, key: "" })).status).toBe(401);
    expect(server.tokenRequests).toBe(2);
    expect(server.issuedTokens()).toEqual([token]);
  });

  it("plays scripted faults: 503 with Retry-After, and an answer lost after the write", async () => {
    server = await new BisRestServer({ auth: { kind: "apiKey", key: "k-123" } }).start();
    server.faults.push({ method: "GET", status: 503, retryAfter: 2 });
    const unavailable = await call("/api/v1/employees");
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toBe("2");
    server.faults.push({ method: "POST", drop: true, afterWrite: true });
    await expect(call("/api/v1/employees", { method: "POST", body: JSON.stringify(employee("lost@x.com")) })).rejects.toThrow();
    // The employee was created although its answer never arrived: why a retried create must look up first.
    expect((await call("/api/v1/employees?email=lost@x.com")).body.total).toBe(1);
    expect(server.requests.map((r) => r.status)).toEqual([503, undefined, 200]);
  });

  it("queues a fault's follow-ups once it is played: BIS down right after a lost answer", async () => {
    server = await new BisRestServer({ auth: { kind: "apiKey", key: "k-123" } }).start();
    server.faults.push({ method: "POST", drop: true, afterWrite: true, then: [{ method: "GET", path: "/api/v1/employees?email=", status: 503, retryAfter: 1 }] });
    expect((await call("/api/v1/employees?page=1")).status).toBe(200);
    await expect(call("/api/v1/employees", { method: "POST", body: JSON.stringify(employee("then@x.com")) })).rejects.toThrow();
    expect((await call("/api/v1/employees?page=1")).status).toBe(200);
    expect((await call("/api/v1/employees?email=then@x.com")).status).toBe(503);
    expect((await call("/api/v1/employees?email=then@x.com")).body.total).toBe(1);
    expect(server.faults).toEqual([]);
  });
});
