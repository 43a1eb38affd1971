/**
 * Dates between SCIM's ISO 8601 and the column's form: YYYY-MM-DD (a DATE column) by default, or
 * text in the mapping's dateFormat, and for date-times the wall-clock time in its timeZone
 * (Luxon does the calendar and time-zone arithmetic). What is written reads back as sent.
 */
import { DateTime, FixedOffsetZone, IANAZone } from "luxon";
import { ValueRuleError } from "./value-rule-error.js";

/** What the codec needs of an attribute entry. */
export interface DateSettings {
  readonly valueType: string;
  readonly dateFormat?: string;
  readonly timeZone?: string;
}

export const DEFAULT_DATE_FORMAT = "YYYY-MM-DD";
export const DEFAULT_DATE_TIME_FORMAT = "YYYY-MM-DD HH:mm:ss";

/** The closed set of format tokens (longest first), with Luxon's name for each. */
const TOKENS: readonly (readonly [token: string, luxon: string, part: "date" | "time"])[] = [
  ["YYYY", "yyyy", "date"],
  ["SSS", "SSS", "time"],
  ["MM", "MM", "date"],
  ["DD", "dd", "date"],
  ["HH", "HH", "time"],
  ["mm", "mm", "time"],
  ["ss", "ss", "time"],
  ["M", "M", "date"],
  ["D", "d", "date"],
  ["H", "H", "time"],
];

export const DATE_TOKENS_HELP = "YYYY, MM, M, DD, D, HH, H, mm, ss, SSS, and [text] for literal letters";

interface CompiledFormat {
  readonly luxon: string;
  readonly tokens: readonly string[];
}

const compiled = new Map<string, CompiledFormat>();

/** A format such as DD.MM.YYYY in Luxon's terms; throws with what is wrong in it. */
export function compileDateFormat(format: string): CompiledFormat {
  const cached = compiled.get(format);
  if (cached) return cached;
  let luxon = "";
  const tokens: string[] = [];
  const literal = (text: string) => (luxon += `'${text.replaceAll("'", "''")}'`);
  for (let i = 0; i < format.length; ) {
    if (format[i] === "[") {
      const end = format.indexOf("]", i);
      if (end < 0) throw new Error(`"${format}": [ without its ]`);
      literal(format.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    const token = TOKENS.find(([name]) => format.startsWith(name, i));
    if (token) {
      if (tokens.includes(token[0])) throw new Error(`"${format}" has ${token[0]} twice`);
      tokens.push(token[0]);
      luxon += token[1];
      i += token[0].length;
    } else if (/[A-Za-z]/.test(format[i]!)) {
      throw new Error(`"${format}": "${format[i]}" is no date token (use ${DATE_TOKENS_HELP})`);
    } else {
      literal(format[i]!);
      i += 1;
    }
  }
  const has = (...names: string[]) => names.some((name) => tokens.includes(name));
  if (!has("YYYY") || !has("MM", "M") || !has("DD", "D")) throw new Error(`"${format}" needs the year (YYYY), month (MM) and day (DD)`);
  const result = { luxon, tokens };
  compiled.set(format, result);
  return result;
}

/** Why a format cannot hold a date-time (undefined when it can): the hour and minutes are needed. */
export function missingTime(format: string): string | undefined {
  const { tokens } = compileDateFormat(format);
  if ((tokens.includes("HH") || tokens.includes("H")) && tokens.includes("mm")) return undefined;
  return `"${format}" has no time: a dateTime needs the hour (HH) and minutes (mm)`;
}

/** Whether the text is a valid date (or date-time) written in the format. */
export function fitsDateFormat(format: string, text: string): boolean {
  return DateTime.fromFormat(text, compileDateFormat(format).luxon, { zone: "UTC" }).isValid;
}

export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

interface IsoValue {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** The written time and its offset in minutes (none written: UTC), when there is a time. */
  readonly time?: { readonly hour: number; readonly minute: number; readonly second: number; readonly millisecond: number; readonly offset: number };
}

/** Strict ISO 8601 date or date-time, as SCIM sends dateTime values. */
function parseIso(text: string): IsoValue {
  const match = ISO.exec(text.trim());
  if (!match) throw new ValueRuleError(`"${text}" is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)`);
  const [, y, m, d, hh, mm, ss, fraction, zone] = match;
  const value: IsoValue = {
    year: Number(y),
    month: Number(m),
    day: Number(d),
    ...(hh !== undefined && {
      time: { hour: Number(hh), minute: Number(mm), second: Number(ss ?? 0), millisecond: Math.floor(Number(`0.${fraction ?? 0}`) * 1000), offset: offsetMinutes(zone) },
    }),
  };
  const date = DateTime.fromObject({ year: value.year, month: value.month, day: value.day }, { zone: "UTC" });
  const time = value.time;
  if (!date.isValid || (time && (time.hour > 23 || time.minute > 59 || time.second > 59))) throw new ValueRuleError(`"${text}" is not a valid calendar date`);
  return value;
}

function offsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone === "Z") return 0;
  const [, sign, hours, minutes] = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  return (sign === "-" ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
}

/** Strict ISO 8601 date or date-time -> the calendar date as written (YYYY-MM-DD). */
export function parseIsoDate(text: string): string {
  const { year, month, day } = parseIso(text);
  return DateTime.fromObject({ year, month, day }, { zone: "UTC" }).toFormat("yyyy-MM-dd");
}

/**
 * SCIM value -> column value. A date is the calendar date as written; with a timeZone, a
 * date-time is first converted to that zone's date. A dateTime is the wall-clock time in the
 * timeZone (UTC by default); a date alone is midnight there, a time without offset is UTC.
 */
export function encodeDate(entry: DateSettings, text: string): string {
  return remembered(encoded, entry, text, () => encodeDateNow(entry, text));
}

function encodeDateNow(entry: DateSettings, text: string): string {
  const value = parseIso(text);
  const zone = entry.timeZone ?? "UTC";
  const { year, month, day, time } = value;
  let local: DateTime;
  if (time && (entry.valueType === "dateTime" || entry.timeZone)) {
    local = DateTime.fromObject({ year, month, day, hour: time.hour, minute: time.minute, second: time.second, millisecond: time.millisecond }, { zone: FixedOffsetZone.instance(time.offset) }).setZone(zone);
  } else {
    local = DateTime.fromObject({ year, month, day }, { zone: entry.valueType === "dateTime" ? zone : "UTC" });
  }
  return local.toFormat(compileDateFormat(formatOf(entry)).luxon);
}

/**
 * Column value -> SCIM dateTime in UTC (a date: midnight in its timeZone), or the stored text as
 * it is when it is no date in the format. Reads the format, or an ISO wall-clock time (what the
 * drivers make of DATE and DATETIME columns).
 */
export function decodeDate(entry: DateSettings, value: unknown): string {
  const text = String(value).trim();
  return remembered(decoded, entry, text, () => decodeDateNow(entry, text));
}

function decodeDateNow(entry: DateSettings, text: string): string {
  if (entry.valueType === "date" && entry.dateFormat === undefined && entry.timeZone === undefined) {
    const plain = plainUtcDate(text);
    if (plain) return plain;
  }
  const zone = entry.timeZone ?? "UTC";
  const local = readLocal(text, formatOf(entry), zone);
  if (!local) return text;
  const instant = entry.valueType === "dateTime" ? local : DateTime.fromObject({ year: local.year, month: local.month, day: local.day }, { zone });
  const utc = instant.toUTC();
  return utc.toFormat(utc.millisecond ? "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" : "yyyy-MM-dd'T'HH:mm:ss'Z'");
}

const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The common case, without Luxon: a DATE column's YYYY-MM-DD as midnight UTC. */
function plainUtcDate(text: string): string | undefined {
  const match = PLAIN_DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2024-02-30 over to March; such text is no date and goes the long way.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || year < 1000) return undefined;
  return `${text}T00:00:00Z`;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:Z|[+-]00:?00)?$/;

function readLocal(text: string, format: string, zone: string): DateTime | undefined {
  const formatted = DateTime.fromFormat(text, compileDateFormat(format).luxon, { zone });
  if (formatted.isValid) return formatted;
  const match = WALL_CLOCK.exec(text);
  if (!match) return undefined;
  const [, y, m, d, hh, mm, ss, fraction] = match;
  const local = DateTime.fromObject(
    { year: Number(y), month: Number(m), day: Number(d), hour: Number(hh ?? 0), minute: Number(mm ?? 0), second: Number(ss ?? 0), millisecond: Math.floor(Number(`0.${fraction ?? 0}`) * 1000) },
    { zone },
  );
  return local.isValid ? local : undefined;
}

function formatOf(entry: DateSettings): string {
  return entry.dateFormat ?? (entry.valueType === "dateTime" ? DEFAULT_DATE_TIME_FORMAT : DEFAULT_DATE_FORMAT);
}

/**
 * Both conversions are pure functions of the settings and the text, and Luxon's parsing and
 * formatting cost more than the rest of rendering a user: every GET decodes the same few start
 * dates again. So recent results are kept (bounded; errors are not kept).
 */
const REMEMBERED = 4096;
const encoded = new Map<string, string>();
const decoded = new Map<string, string>();

function remembered(cache: Map<string, string>, entry: DateSettings, text: string, convert: () => string): string {
  const key = `${entry.valueType}\u0000${entry.dateFormat ?? ""}\u0000${entry.timeZone ?? ""}\u0000${text}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const result = convert();
  if (cache.size >= REMEMBERED) cache.clear();
  cache.set(key, result);
  return result;
}
