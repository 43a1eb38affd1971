/**
 * A BIS API record <-> the store's BisUser: dotted field paths (address.province) are the
 * "columns", keys and user references take the API's key type.
 */
import type { ApiModel } from "./api-model.js";
import type { BisUser, ColumnValue } from "../bis-user.js";
import type { UserTableModel } from "../store-model.js";

export type ApiRecord = Record<string, unknown>;

export function readPath(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function writePath(record: ApiRecord, path: string, value: unknown): void {
  const parts = path.split(".");
  let target = record;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    target = target[part] = next !== null && typeof next === "object" && !Array.isArray(next) ? { ...(next as ApiRecord) } : {};
  }
  target[parts.at(-1)!] = value;
}

export class ApiRecordCodec {
  constructor(
    private readonly model: UserTableModel,
    private readonly api: ApiModel,
  ) {}

  /** The key as the API writes it in paths and reference fields; undefined when it cannot be one. */
  key(id: string): string | number | undefined {
    if (this.api.keyType === "string") return id;
    return /^[1-9]\d{0,14}$/.test(id) ? Number(id) : undefined;
  }

  toUser(record: ApiRecord): BisUser {
    const fields: Record<string, ColumnValue> = {};
    for (const column of this.model.columns) {
      const value = readPath(record, column);
      fields[column] = value === undefined || value === null ? null : typeof value === "object" ? JSON.stringify(value) : (value as ColumnValue);
      if (this.model.selfReferences.includes(column) && fields[column] !== null) fields[column] = String(fields[column]);
    }
    return {
      id: String(readPath(record, this.api.key)),
      fields,
      children: {},
      created: toDate(this.api.created && readPath(record, this.api.created)),
      modified: toDate(this.api.modified && readPath(record, this.api.modified)),
    };
  }

  /** A copy of the record holding this key. */
  withKey(record: ApiRecord, id: string): ApiRecord {
    const copy = structuredClone(record);
    writePath(copy, this.api.key, this.key(id) ?? id);
    return copy;
  }

  /** The given fields as a (nested) record: references in the key's type. */
  toRecord(fields: Readonly<Record<string, ColumnValue>>, only?: Iterable<string>): ApiRecord {
    const record: ApiRecord = {};
    for (const column of only ?? Object.keys(fields)) {
      const value = fields[column] ?? null;
      writePath(record, column, this.model.selfReferences.includes(column) && typeof value === "string" ? (this.key(value) ?? value) : value);
    }
    return record;
  }
}

function toDate(value: unknown): Date | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
