/**
 * The tenant's users as Entra exports them: the admin center's "Download users" CSV, or
 * Microsoft Graph `/users` JSON (a `{ "value": [...] }` page, a plain array, or JSON lines).
 * Property names become Graph's (the CSV's `objectId` is Graph's `id`, `telephoneNumber` its
 * `businessPhones`, ...), matched ignoring case; columns nothing reads are reported once. CSV and
 * JSON lines are read a record at a time.
 */
import { createReadStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";

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
  const head = readFileSync(file, { encoding: "utf8", flag: "r" }).slice(0, 4096).replace(/^\uFEFF/, "").trimStart();
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

/** A Graph page (or array): parsed whole, as Graph pages are (999 users at the most each). */
async function* graphPages(file: string, rename: (r: Record<string, unknown>) => TenantUser): AsyncIterable<TenantUser> {
  const document: unknown = JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
  const records = Array.isArray(document) ? document : (document as { value?: unknown }).value;
  if (!Array.isArray(records)) throw new Error(`${file}: a Graph export holds a "value" array of users`);
  for (const record of records) if (record && typeof record === "object") yield rename(record as Record<string, unknown>);
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
