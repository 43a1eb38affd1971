/**
 * The tenant's users as Entra exports them: the admin center's "Download users" CSV, or
 * Microsoft Graph `/users` JSON (a `{ "value": [...] }` page, a plain array, or JSON lines).
 * Property names become Graph's (the CSV's `objectId` is Graph's `id`, `telephoneNumber` its
 * `businessPhones`, ...), matched ignoring case; columns nothing reads are reported once. Every
 * format is read a record at a time (a Graph array through stream-json), so memory does not grow
 * with the export.
 */
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import chain from "stream-chain";
import { parser } from "stream-json";
import { pick } from "stream-json/filters/pick.js";
import { streamArray } from "stream-json/streamers/stream-array.js";

/** One tenant user, with Graph's property names. */
export type TenantUser = Readonly<Record<string, unknown>>;

/** The Graph properties the readiness check reads (the targets of Entra's attribute mappings). */
export const GRAPH_PROPERTIES = [
  "id",
  "userPrincipalName",
  "mail",
  "givenName",
  "surname",
  "middleName",
  "displayName",
  "employeeId",
  "department",
  "jobTitle",
  "streetAddress",
  "city",
  "state",
  "postalCode",
  "country",
  "accountEnabled",
  "mobilePhone",
  "businessPhones",
  "manager",
  "officeLocation",
] as const;

/** Other names the admin center's CSV (older and newer downloads) uses for Graph's properties. */
const ALIASES: Record<string, string> = {
  objectid: "id",
  mobile: "mobilePhone",
  telephonenumber: "businessPhones",
  physicaldeliveryofficename: "officeLocation",
};

const BY_LOWER = new Map<string, string>([...GRAPH_PROPERTIES.map((p) => [p.toLowerCase(), p] as const), ...Object.entries(ALIASES)]);

export interface TenantExport {
  readonly format: "csv" | "graph-json" | "json-lines";
  readonly users: AsyncIterable<TenantUser>;
  /** Columns or properties nothing reads, each named once (filled while `users` is read). */
  readonly ignored: ReadonlySet<string>;
}

/** Opens an export; the format is told by its first non-blank character (`{`/`[` JSON, else CSV). */
export function readTenantExport(file: string): TenantExport {
  const head = fileHead(file, 4096).replace(/^\uFEFF/, "").trimStart();
  const ignored = new Set<string>();
  const rename = (record: Record<string, unknown>): TenantUser => {
    const user: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      const name = BY_LOWER.get(key.trim().toLowerCase().replace(/\s+/g, ""));
      if (name === undefined) ignored.add(key);
      else user[name] = name === "businessPhones" && typeof value === "string" ? (value === "" ? [] : [value]) : value;
    }
    return user;
  };
  if (head.startsWith("[") || (head.startsWith("{") && /^\{\s*"(@odata\.[^"]*|value)"/.test(head))) {
    return { format: "graph-json", users: graphPages(file, rename), ignored };
  }
  if (head.startsWith("{")) return { format: "json-lines", users: jsonLines(file, rename), ignored };
  return { format: "csv", users: csvRows(file, rename), ignored };
}

/** The first bytes of a file, as text: enough to tell its format without reading it all. */
function fileHead(file: string, bytes: number): string {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0)).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** A Graph page's `value` array (or a plain array), one user at a time. */
async function* graphPages(file: string, rename: (r: Record<string, unknown>) => TenantUser): AsyncIterable<TenantUser> {
  const head = fileHead(file, 4096);
  const array = head.replace(/^\uFEFF/, "").trimStart().startsWith("[");
  // The parser takes JSON only: a byte order mark (Excel, PowerShell) is skipped.
  const stages = [createReadStream(file, { start: head.startsWith("\uFEFF") ? 3 : 0 }), parser(), ...(array ? [] : [pick({ filter: "value" })]), streamArray()];
  let users = 0;
  try {
    for await (const { value } of chain(stages) as AsyncIterable<{ value: unknown }>) {
      users++;
      if (value && typeof value === "object" && !Array.isArray(value)) yield rename(value as Record<string, unknown>);
    }
  } catch (error) {
    throw new Error(`${file}: not a Graph export (${(error as Error).message})`);
  }
  if (users === 0 && !array) throw new Error(`${file}: no users in a "value" array (a Graph export holds them there)`);
}

async function* jsonLines(file: string, rename: (r: Record<string, unknown>) => TenantUser): AsyncIterable<TenantUser> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity })) {
    line++;
    if (text.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch {
      throw new Error(`${file}, line ${line}: not a JSON object`);
    }
    if (record && typeof record === "object") yield rename(record as Record<string, unknown>);
  }
}

async function* csvRows(file: string, rename: (r: Record<string, unknown>) => TenantUser): AsyncIterable<TenantUser> {
  const parser = createReadStream(file).pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: false, relax_column_count: true }));
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    const typed: Record<string, unknown> = {};
    // The CSV knows only text: empty cells are no value, and accountEnabled is a flag.
    for (const [key, value] of Object.entries(record)) {
      if (value === "") continue;
      typed[key] = /^accountenabled$/i.test(key.trim()) ? /^true$/i.test(value.trim()) : value;
    }
    yield rename(typed);
  }
}
