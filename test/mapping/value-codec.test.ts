import fc from "fast-check";
import countries from "i18n-iso-countries";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { compileDateFormat } from "../../src/mapping/date-codec.js";
import { decodeValue, encodeValue, joinValues, parseIsoDate, splitValue, toCountryAlpha2, toCountryCode, ValueRuleError } from "../../src/mapping/value-codec.js";

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

  it.each([
    ["CA", "alpha3", "CAN"],
    ["can", "alpha3", "CAN"],
    ["DE", "numeric", "276"],
    ["CAN", "numeric", "124"],
    ["AD", "numeric", "020"],
  ] as const)("%s -> %s %s", (input, form, expected) => expect(toCountryCode(input, form)).toBe(expected));

  it("has all three forms for every code it accepts, the numeric always three digits", () => {
    for (const alpha2 of Object.keys(countries.getAlpha2Codes())) {
      expect(toCountryCode(alpha2, "alpha3")).toMatch(/^[A-Z]{3}$/);
      expect(toCountryCode(alpha2, "numeric")).toMatch(/^\d{3}$/);
    }
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

describe("date formats and time zones", () => {
  const entry = (extra: Record<string, unknown>) => ({ scim: "x", column: "X", valueType: "date", required: false, write: true, ...extra }) as never;
  const berlin = entry({ valueType: "dateTime", dateFormat: "DD.MM.YYYY HH:mm", timeZone: "Europe/Berlin" });

  it("writes a date as text in the format, and reads it back as Entra sent it", () => {
    const german = entry({ dateFormat: "DD.MM.YYYY" });
    expect(encodeValue(german, "2024-05-01T00:00:00Z")).toBe("01.05.2024");
    expect(decodeValue(german, "01.05.2024")).toBe("2024-05-01T00:00:00Z");
    expect(encodeValue(entry({ dateFormat: "YYYYMMDD" }), "2024-02-29")).toBe("20240229");
    expect(encodeValue(entry({ dateFormat: "D/M/YYYY" }), "2024-02-09")).toBe("9/2/2024");
    expect(encodeValue(entry({ dateFormat: "YYYY-MM-DD[T]HH:mm" }), "2024-02-09T17:45:00+01:00")).toBe("2024-02-09T00:00");
  });

  it("converts date-times into the column's time zone, with summer time, and back to UTC", () => {
    expect(encodeValue(berlin, "2025-03-06T08:30:00Z")).toBe("06.03.2025 09:30");
    expect(encodeValue(berlin, "2025-07-01T08:30:00Z")).toBe("01.07.2025 10:30");
    expect(encodeValue(berlin, "2025-07-01T10:30:00+02:00")).toBe("01.07.2025 10:30");
    expect(encodeValue(berlin, "2025-12-31T23:30:00Z")).toBe("01.01.2026 00:30");
    expect(decodeValue(berlin, "06.03.2025 09:30")).toBe("2025-03-06T08:30:00Z");
    expect(decodeValue(berlin, "01.07.2025 10:30")).toBe("2025-07-01T08:30:00Z");
  });

  it("keeps a DATETIME column's local time (the default format), whatever form the driver reads it in", () => {
    const local = entry({ valueType: "dateTime", timeZone: "America/Edmonton" });
    expect(encodeValue(local, "2025-01-15T17:00:00Z")).toBe("2025-01-15 10:00:00");
    expect(decodeValue(local, "2025-01-15 10:00:00")).toBe("2025-01-15T17:00:00Z");
    // PostgreSQL and MariaDB hand the bridge the wall-clock time as an ISO string.
    expect(decodeValue(local, "2025-01-15T10:00:00.000Z")).toBe("2025-01-15T17:00:00Z");
    expect(encodeValue(entry({ valueType: "dateTime" }), "2025-01-15T17:00:00.250Z")).toBe("2025-01-15 17:00:00");
  });

  it("takes a date-time as the calendar date of the time zone, and answers midnight there", () => {
    const date = entry({ timeZone: "Europe/Berlin" });
    expect(encodeValue(date, "2024-04-30T22:00:00Z")).toBe("2024-05-01");
    expect(decodeValue(date, "2024-05-01")).toBe("2024-04-30T22:00:00Z");
    expect(encodeValue(date, "2024-05-01")).toBe("2024-05-01");
  });

  it("round-trips any instant through a format with seconds in any of these zones", () => {
    const zones = ["UTC", "Europe/Berlin", "America/Edmonton", "Asia/Kolkata", "Australia/Lord_Howe"];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 }), fc.constantFrom(...zones), (seconds, timeZone) => {
        const sent = new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
        const codec = entry({ valueType: "dateTime", dateFormat: "YYYY-MM-DD HH:mm:ss", timeZone });
        const stored = encodeValue(codec, sent) as string;
        // The hour the clocks go back happens twice: the text names either, so compare the wall time.
        expect(encodeValue(codec, decodeValue(codec, stored))).toBe(stored);
        if (!isAmbiguous(stored, timeZone)) expect(decodeValue(codec, stored)).toBe(sent);
      }),
    );
  });

  it("round-trips any calendar date through a text format", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("1900-01-01"), max: new Date("2199-12-31"), noInvalidDate: true }), fc.constantFrom("DD.MM.YYYY", "YYYYMMDD", "D.M.YYYY", "MM/DD/YYYY"), (date, dateFormat) => {
        const sent = `${date.toISOString().slice(0, 10)}T00:00:00Z`;
        const codec = entry({ dateFormat });
        expect(decodeValue(codec, encodeValue(codec, sent))).toBe(sent);
      }),
    );
  });

  it("reads a DATE column's YYYY-MM-DD as midnight UTC for any calendar date, the same text again after a zone's", () => {
    const plain = entry({});
    fc.assert(
      fc.property(fc.date({ min: new Date("1000-01-01"), max: new Date("9999-12-31"), noInvalidDate: true }), (date) => {
        const day = date.toISOString().slice(0, 10);
        expect(decodeValue(plain, day)).toBe(`${day}T00:00:00Z`);
      }),
    );
    // Conversions are remembered per settings, not per text alone.
    expect(decodeValue(entry({ timeZone: "Europe/Berlin" }), "2024-05-01")).toBe("2024-04-30T22:00:00Z");
    expect(decodeValue(plain, "2024-05-01")).toBe("2024-05-01T00:00:00Z");
    expect(decodeValue(plain, "2024-02-30")).toBe("2024-02-30");
  });

  it("refuses what is no ISO 8601 date, and reads text that is no date in the format as it is", () => {
    expect(() => encodeValue(berlin, "06.03.2025 09:30")).toThrowError(/is not an ISO 8601 date/);
    expect(() => encodeValue(berlin, "2025-02-30T10:00:00Z")).toThrowError(/not a valid calendar date/);
    expect(decodeValue(berlin, "unknown")).toBe("unknown");
  });

  it("refuses formats with letters that are no token, without the full date, or with a token twice", () => {
    expect(() => compileDateFormat("DD.MM.YYYY hh:mm")).toThrowError(/"h" is no date token/);
    expect(() => compileDateFormat("MM.YYYY")).toThrowError(/needs the year \(YYYY\), month \(MM\) and day \(DD\)/);
    expect(() => compileDateFormat("DD.MM.YYYY DD")).toThrowError(/DD twice/);
  });
});

describe("one value across columns", () => {
  const street = { scim: "x", columns: ["Street", "HouseNo"], separator: " ", splitFrom: "end", valueType: "string", required: false, write: true } as never;
  const phone = { scim: "x", columns: ["Country", "Area", "Number"], separator: "-", valueType: "string", required: false, write: true } as never;

  it.each([
    [street, "Am Alten Markt 12", ["Am Alten Markt", "12"]],
    [street, "Marktplatz", ["Marktplatz", null]],
    [phone, "49-30-1234-567", ["49", "30", "1234-567"]],
    [phone, "49-30", ["49", "30", null]],
  ])("splits and joins %#", (entry, value, parts) => {
    expect(splitValue(entry, value)).toEqual(parts);
    expect(joinValues(entry, parts)).toBe(value);
  });

  it("round-trips any text that does not end in the separator", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "b", " ", "-") }), fc.constantFrom(street, phone), (value, entry) => {
        fc.pre(value !== "" && !value.endsWith((entry as { separator: string }).separator));
        expect(joinValues(entry, splitValue(entry, value))).toBe(value);
      }),
    );
  });
});

/** Whether a local wall-clock time happens twice in the zone (the hour the clocks go back). */
function isAmbiguous(local: string, zone: string): boolean {
  const dt = DateTime.fromFormat(local, "yyyy-MM-dd HH:mm:ss", { zone });
  return dt.offset !== dt.plus({ hours: 1 }).offset || dt.offset !== dt.minus({ hours: 1 }).offset;
}
