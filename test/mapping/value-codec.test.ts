import { describe, expect, it } from "vitest";
import { parseIsoDate, toCountryAlpha2, ValueRuleError } from "../../src/mapping/value-codec.js";

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
