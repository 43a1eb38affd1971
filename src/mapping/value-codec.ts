/**
 * Converts single values between SCIM's form and the column's, per the mapping's valueType and
 * transform. Encoding failures are reported as a rule (the caller names the attribute).
 */
import countries from "i18n-iso-countries";
import { parsePhoneNumberWithError } from "libphonenumber-js";

type PhoneCountry = Parameters<typeof parsePhoneNumberWithError>[1];
import type { ColumnValue } from "../store/bis-user.js";
import type { AttributeEntry } from "./mapping-schema.js";
import { decodeDate, encodeDate } from "./date-codec.js";
import { ValueRuleError } from "./value-rule-error.js";

export { ValueRuleError };
export { parseIsoDate } from "./date-codec.js";

/** ISO 3166-1 alpha-2 or alpha-3 (any case) -> alpha-2 upper case; names are refused. */
export function toCountryAlpha2(text: string): string {
  const code = text.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(code) && countries.isValid(code)) return code;
  if (/^[A-Z]{3}$/.test(code)) {
    const alpha2 = countries.alpha3ToAlpha2(code);
    if (alpha2) return alpha2;
  }
  throw new ValueRuleError(`"${text}" is not an ISO 3166-1 alpha-2 or alpha-3 country code`);
}

/** ISO 3166-1 alpha-2 or alpha-3 in; the form the column keeps out (CA, CAN, or the numeric 124). */
export function toCountryCode(text: string, form: "alpha2" | "alpha3" | "numeric"): string {
  const alpha2 = toCountryAlpha2(text);
  if (form === "alpha2") return alpha2;
  // Every alpha-2 code the library accepts has the other two forms.
  return (form === "alpha3" ? countries.alpha2ToAlpha3(alpha2) : countries.alpha2ToNumeric(alpha2))!;
}

/** A stored CA, CAN or 124 as CA; a value that is no code is answered as it is. */
function storedCountryAsAlpha2(text: string): string {
  const code = text.trim();
  if (/^\d{1,3}$/.test(code)) return countries.numericToAlpha2(code.padStart(3, "0")) ?? text;
  try {
    return toCountryAlpha2(code);
  } catch {
    return text;
  }
}

/** Any format a person writes (+1 403 555 0100, (403) 555-0100) -> E.164 (+14035550100). */
export function toE164(text: string, defaultCountry: string): string {
  try {
    const phone = parsePhoneNumberWithError(text, defaultCountry as PhoneCountry);
    if (phone.isPossible()) return phone.number;
  } catch {
    // reported below
  }
  throw new ValueRuleError(`"${text}" is not a phone number (with ${defaultCountry} as the default country)`);
}

function applyTransform(entry: AttributeEntry, text: string): string {
  switch (entry.transform) {
    case "country-alpha2":
      return toCountryAlpha2(text);
    case "country-alpha3":
      return toCountryCode(text, "alpha3");
    case "country-numeric":
      return toCountryCode(text, "numeric");
    case "phone-e164":
      return toE164(text, entry.defaultCountry!);
    case "trim":
      return text.trim();
    case "lower":
      return text.toLowerCase();
    case "upper":
      return text.toUpperCase();
    default:
      return text;
  }
}

/** The transform, then the replacement, then the value map: SCIM text -> BIS text. */
function toBisText(entry: AttributeEntry, value: string): string {
  let text = applyTransform(entry, value);
  if (entry.replace) text = text.replace(new RegExp(entry.replace.pattern, entry.replace.flags), entry.replace.with);
  if (entry.values) {
    const mapped = entry.values[text];
    if (mapped === undefined) throw new ValueRuleError(`must be one of ${Object.keys(entry.values).map((v) => JSON.stringify(v)).join(", ")}, not ${JSON.stringify(text)}`);
    text = mapped;
  }
  return text;
}

/** SCIM value (already type-checked by the SCIM stage) -> column value. */
export function encodeValue(entry: AttributeEntry, value: unknown): ColumnValue {
  if (value === null || value === undefined || value === "") return null;
  switch (entry.valueType) {
    case "boolean":
      if (typeof value !== "boolean") throw new ValueRuleError("must be a boolean");
      // A flag kept as text (Y/N, ACTIVE/INACTIVE): the mapping's value map says how.
      return entry.values ? entry.values[String(value)] : value;
    case "date":
    case "dateTime":
      if (typeof value !== "string") throw new ValueRuleError("must be a date-time string");
      return encodeDate(entry, value);
    case "userReference": {
      const id = typeof value === "object" ? (value as { value?: unknown }).value : value;
      if (id === null || id === undefined || id === "") return null;
      if (typeof id !== "string") throw new ValueRuleError("must be the manager's SCIM id as a string");
      return id;
    }
    default: {
      if (typeof value !== "string") throw new ValueRuleError("must be a string");
      const text = toBisText(entry, value);
      if (entry.maxLength !== undefined && text.length > entry.maxLength) {
        throw new ValueRuleError(`is ${text.length} characters long; BIS allows at most ${entry.maxLength}`);
      }
      return text;
    }
  }
}

/** Column value as read from any engine -> SCIM value, or undefined when empty. */
export function decodeValue(entry: AttributeEntry, value: unknown): string | boolean | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  switch (entry.valueType) {
    case "boolean":
      if (entry.values) return Object.entries(entry.values).find(([, bis]) => bis === String(value))?.[0] === "true";
      return toBoolean(value);
    case "date":
    case "dateTime":
      return decodeDate(entry, value);
    default: {
      const text = String(value);
      // SCIM's country is alpha-2 (RFC 7643, section 4.1.2), whichever form the column keeps.
      if (entry.transform?.startsWith("country-")) return storedCountryAsAlpha2(text);
      // A value map reads back in reverse, so Entra sees the value it sent.
      const scim = entry.values && Object.entries(entry.values).find(([, bis]) => bis === text)?.[0];
      return scim ?? text;
    }
  }
}

/** BIT/TINYINT/BOOLEAN as the drivers return them: true/false, 1/0, "1"/"0", Buffer <01>. */
function toBoolean(value: unknown): boolean {
  if (Buffer.isBuffer(value)) return value.length > 0 && value[0] !== 0;
  if (typeof value === "string") return value === "1" || value.toLowerCase() === "true";
  return Boolean(value);
}

/**
 * One value -> its parts for `columns`, split at the separator: from the start, each column but
 * the last takes one part and the last the rest; from the end, each column but the first takes
 * one part from the end and the first the rest. Fewer parts fill the first columns; empty parts
 * are null.
 */
export function splitValue(entry: AttributeEntry, value: ColumnValue): ColumnValue[] {
  const columns = entry.columns!.length;
  if (value === null) return Array<ColumnValue>(columns).fill(null);
  const pieces = String(value).split(entry.separator!);
  let parts = pieces;
  if (pieces.length > columns) {
    const cut = entry.splitFrom === "end" ? pieces.length - columns + 1 : columns - 1;
    parts = entry.splitFrom === "end" ? [pieces.slice(0, cut).join(entry.separator!), ...pieces.slice(cut)] : [...pieces.slice(0, cut), pieces.slice(cut).join(entry.separator!)];
  }
  return Array.from({ length: columns }, (_, i) => (parts[i] === undefined || parts[i] === "" ? null : parts[i]!));
}

/** The parts read from `columns` joined with the separator again; undefined when all are empty. */
export function joinValues(entry: AttributeEntry, parts: readonly unknown[]): string | undefined {
  const texts = parts.map((part) => (part === null || part === undefined ? "" : String(part)));
  while (texts.length > 0 && texts[texts.length - 1] === "") texts.pop();
  return texts.length === 0 ? undefined : texts.join(entry.separator!);
}
