/**
 * A test double for SQL Server ONLY (no SQL Server itself runs on this machine): knex's real mssql
 * client and our BisMssqlClient compile every statement, but instead of sending it through
 * tedious, `_query` records it and answers with canned rows in tedious's row format.
 */
import knexFactory, { type Knex } from "knex";
import { BisMssqlClient } from "../../src/store/sql/engines/mssql.js";

export interface Statement {
  readonly sql: string;
  readonly bindings: readonly unknown[];
}

export type Responder = (sql: string) => Record<string, unknown>[];

const fakeConnection = {
  connected: true,
  inTransaction: true,
  state: { name: "LoggedIn" },
  beginTransaction: (done: (error?: Error) => void) => done(),
  commitTransaction: (done: (error?: Error) => void) => done(),
  rollbackTransaction: (done: (error?: Error) => void) => done(),
  saveTransaction: (done: (error?: Error) => void) => done(),
};

/** Rows as tedious hands them to knex: one {value, metadata} per column. */
export function tediousRows(rows: Record<string, unknown>[], types: Record<string, string> = {}) {
  return rows.map((row) =>
    Object.entries(row).map(([colName, value]) => ({ value, metadata: { colName, type: { name: types[colName] ?? "NVarChar" } } })),
  );
}

export function recordingMssql(respond: Responder): { db: Knex; statements: Statement[] } {
  const statements: Statement[] = [];
  class RecordingMssqlClient extends BisMssqlClient {
    override async acquireConnection() {
      return fakeConnection;
    }
    override async releaseConnection() {}
    async _query(_connection: unknown, query: { sql: string; bindings: unknown[]; response?: unknown }) {
      statements.push({ sql: query.sql, bindings: query.bindings ?? [] });
      query.response = tediousRows(respond(query.sql));
      return query;
    }
  }
  const db = knexFactory({ client: RecordingMssqlClient as unknown as typeof Knex.Client, connection: {}, pool: { min: 0, max: 1 } });
  return { db, statements };
}
