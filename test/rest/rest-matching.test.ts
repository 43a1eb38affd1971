/**
 * Matching on several attributes on the REST store, as on SQL: a create whose e-mail is new but
 * whose employee number BIS has is refused naming the attribute (or adopts that user), also when
 * such creates race through one bridge.
 */
import { describe, expect, it } from "vitest";
import { entraUser } from "../support/bridge-harness.js";
import { mappingVariant } from "../support/mapping-variant.js";
import { REST_REFERENCE_MAPPING } from "../support/paths.js";
import { bridgeOnRestApi } from "../support/rest-backend.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const EMPLOYEE_NUMBER = `${ENTERPRISE}:employeeNumber`;
const matching = (duplicates: string) =>
  mappingVariant((yaml) => yaml.replace("duplicates: conflict", `duplicates: ${duplicates}\n  attributes: [userName, '${EMPLOYEE_NUMBER}']`), REST_REFERENCE_MAPPING);
const withNumber = (email: string, employeeNumber: string) => entraUser(email, { [ENTERPRISE]: { employeeNumber } });

describe("matching on several attributes [rest]", () => {
  const t = bridgeOnRestApi({ mapping: matching("conflict") });
  const withEmployeeNumber = (n: string) => [...t.server.employees.values()].filter((e) => e.employeeNumber === n);

  it("refuses a create whose e-mail is new but whose employee number exists, naming the attribute", async () => {
    const first = await t.bridge.request("POST", "/Users", withNumber("first@contoso.com", "EMP-7"));
    expect(first.status).toBe(201);
    const second = await t.bridge.request("POST", "/Users", withNumber("renamed@contoso.com", "EMP-7"));
    expect(second.status).toBe(409);
    expect(second.body.detail).toBe(`${EMPLOYEE_NUMBER} "EMP-7" is already used by BIS user ${first.body.id}`);
    expect(withEmployeeNumber("EMP-7")).toHaveLength(1);
  });

  it("creates exactly one user when creates with one employee number and different e-mails race", async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => t.bridge.request("POST", "/Users", withNumber(`racer${i}@contoso.com`, "EMP-RACE"))));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(11);
    expect(withEmployeeNumber("EMP-RACE")).toHaveLength(1);
  });
});

describe("matching on several attributes with adopt [rest]", () => {
  const t = bridgeOnRestApi({ mapping: matching("adopt") });

  it("takes over the user an employee number finds", async () => {
    const existing = await t.bridge.request("POST", "/Users", withNumber("old.address@contoso.com", "EMP-9"));
    const adopted = await t.bridge.request("POST", "/Users", withNumber("new.address@contoso.com", "EMP-9"));
    expect(adopted.status).toBe(201);
    expect(adopted.body).toMatchObject({ id: existing.body.id, userName: "new.address@contoso.com" });
    expect([...t.server.employees.values()].filter((e) => e.employeeNumber === "EMP-9").map((e) => e.email)).toEqual(["new.address@contoso.com"]);
  });
});
