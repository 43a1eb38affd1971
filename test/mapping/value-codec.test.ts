import { describe, expect, it } from "vitest";
import { decodeValue, encodeValue, parseIsoDate, toCountryAlpha2, ValueRuleError } from "../../src/mapping/value-codec.js";

describe("country codes", () => {
  it.each([
    ["CA", "CA"],
    ["ca", "CA"],
    ["CAN", "CA"],
    ["deu", "DE"],
    [" GB ", "GB"],
  ])("%s -> %s", (input, expected) => expect(toCountryAlpha2(input)).toBe(expected));

  it.each(["Canada", "XX", "XYZ", "C", ""])("refuses %j", (input) => {
    expect(() => toCountryAlpha2(input)).toThrowError(ValueRuleError);
  });
});

describe("dates", () => {
  it.each([
    ["2024-05-01", "2024-05-01"],
    ["2024-05-01T00:00:00Z", "2024-05-01"],
    ["2024-05-01T23:59:59.123+02:00", "2024-05-01"],
    ["2024-02-29T08:00:00-0500", "2024-02-29"],
  ])("%s -> %s", (input, expected) => expect(parseIsoDate(input)).toBe(expected));

  it.each(["2023-02-29", "2024-13-01", "01/05/2024", "2024-05-01T25:00:00Z", "May 1 2024", "2024-5-1"])("refuses %j", (input) => {
    expect(() => parseIsoDate(input)).toThrowError(ValueRuleError);
  });
});

describe("transforms, replacements and value maps", () => {
  const entry = (extra: Record<string, unknown>) => ({ scim: "title", column: "JobTitle", valueType: "string", required: false, write: true, ...extra }) as never;

  it.each([
    ["+1 403 555 0100", "+14035550100"],
    ["(403) 555-0100", "+14035550100"],
    ["+44 20 7946 0958", "+442079460958"],
  ])("normalises the phone %s to E.164", (input, expected) => {
    expect(encodeValue(entry({ transform: "phone-e164", defaultCountry: "CA" }), input)).toBe(expected);
  });

  it("refuses what is no phone number", () => {
    expect(() => encodeValue(entry({ transform: "phone-e164", defaultCountry: "CA" }), "call me")).toThrowError(/not a phone number/);
  });

  it("replaces with a regular expression before writing", () => {
    expect(encodeValue(entry({ replace: { pattern: "^Dr\\.?\\s+", with: "", flags: "g" } }), "Dr. Jane")).toBe("Jane");
  });

  it("maps a closed set of values both ways and refuses others, naming the allowed ones", () => {
    const mapped = entry({ values: { "Site lead": "SL", Inspector: "INS" } });
    expect(encodeValue(mapped, "Site lead")).toBe("SL");
    expect(decodeValue(mapped, "SL")).toBe("Site lead");
    expect(decodeValue(mapped, "LEGACY")).toBe("LEGACY");
    expect(() => encodeValue(mapped, "Janitor")).toThrowError('must be one of "Site lead", "Inspector", not "Janitor"');
  });
});
