/** The health rules against Entra's thresholds, fed requests with their own times (the HTTP test drives the rest). */
import { describe, expect, it } from "vitest";
import { createProvisioningHealth, sentValue, type ProvisioningEvent } from "../../src/ops/provisioning-health.js";

const T0 = Date.parse("2026-12-01T08:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const create = (seconds: number, status: number, userName = `u${seconds}@contoso.com`): ProvisioningEvent => ({ at: at(seconds), operation: "create", status, userName, detail: status >= 400 ? 'addresses[type eq "work"].country "Canada" is not an ISO 3166-1 alpha-2 or alpha-3 country code' : undefined });

describe("provisioning health", () => {
  it("counts writes and failed reads of one user, not Entra's queries; a quiet spell opens a cycle", () => {
    const health = createProvisioningHealth({ quietMinutes: 10 });
    health.record({ at: at(0), operation: "query", status: 200, probe: true });
    health.record({ at: at(1), operation: "query", status: 200 });
    health.record(create(2, 201));
    health.record({ at: at(3), operation: "get", status: 404, bisId: "42", detail: "User 42 not found" });
    health.record({ at: at(4), operation: "get", status: 200, bisId: "7" });
    // Eleven minutes later, without a probe: a new cycle.
    health.record(create(4 + 11 * 60, 201));
    const report = health.report(at(700));
    expect(report.cycles.map((c) => [c.number, c.probed, c.events, c.failures])).toEqual([
      [2, false, 1, 0],
      [1, true, 2, 1],
    ]);
    expect(report.window).toMatchObject({ events: 3, failures: 1 });
    expect(report.groups.map((g) => [g.reason, g.users.length])).toEqual([["404 User … not found", 1]]);
  });

  it("is at risk past 20% of a cycle, and quarantine likely past 40%", () => {
    const risky = createProvisioningHealth();
    for (let i = 0; i < 20; i++) risky.record(create(i, i < 5 ? 400 : 201));
    expect(risky.report(at(30)).state).toBe("at risk");
    const failing = createProvisioningHealth();
    for (let i = 0; i < 20; i++) failing.record(create(i, i < 9 ? 400 : 201));
    expect(failing.report(at(30))).toMatchObject({ state: "quarantine likely", reasons: [expect.stringContaining("45% of cycle 1's 20 events failed")] });
    // Below the events a verdict needs, nothing is called.
    const few = createProvisioningHealth();
    for (let i = 0; i < 5; i++) few.record(create(i, 400));
    expect(few.report(at(10)).state).toBe("healthy");
  });

  it("applies Entra's own rules over the window: past 40% from 5,000 failures, and past 40,000 failures whatever the share", () => {
    // Many small cycles (each under the events a cycle verdict needs) adding up over hours.
    const share = createProvisioningHealth({ minEvents: 100_000 });
    for (let i = 0; i < 12_000; i++) share.record(create(i, i % 2 === 0 ? 400 : 201, `user${i % 3000}@contoso.com`));
    expect(share.report(at(12_000))).toMatchObject({ state: "quarantine likely", window: { events: 12_000, failures: 6_000 } });
    const count = createProvisioningHealth({ minEvents: 1_000_000 });
    for (let i = 0; i < 200_000; i++) count.record({ at: at(i / 4), operation: "patch", status: i % 5 === 0 ? 201 : 400, bisId: String(i % 1000) });
    const report = count.report(at(50_000));
    expect(report.window.failures).toBe(160_000);
    expect(report.reasons[0]).toBe("160,000 failures in 24 h: Entra quarantines past 40,000");
  });

  it("forgets what is past the window, and a user whose write then succeeds", () => {
    const health = createProvisioningHealth({ windowHours: 1 });
    for (let i = 0; i < 20; i++) health.record(create(i, 400, "same@contoso.com"));
    expect(health.report(at(60)).groups[0]!.users).toHaveLength(1);
    expect(health.report(at(2 * 3600)).window).toMatchObject({ events: 0, failures: 0 });
    health.record(create(2 * 3600, 201, "SAME@contoso.com"));
    expect(health.report(at(2 * 3600 + 1)).groups).toEqual([]);
  });
});

describe("sentValue", () => {
  it("reads the attribute and the value an error quotes first, and nothing where none is quoted", () => {
    expect(sentValue('addresses[type eq "work"].country "Canada" is not an ISO 3166-1 alpha-2 or alpha-3 country code')).toEqual({ attribute: 'addresses[type eq "work"].country', value: "Canada" });
    expect(sentValue('urn:ietf:params:scim:schemas:extension:BIS:2.0:User:location: "Atlantis" is not a known location in BIS')).toEqual({ attribute: "urn:ietf:params:scim:schemas:extension:BIS:2.0:User:location", value: "Atlantis" });
    expect(sentValue("title is 151 characters long; BIS allows at most 150")).toBeUndefined();
  });
});
