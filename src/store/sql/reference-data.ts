/**
 * The rows `check` reads to tell whether lookups and foreign keys will resolve: lookup tables'
 * names (empty, or named twice ignoring case), the user table's foreign keys, and which of a
 * set of values a referenced table lacks. Read-only, over the store's pool.
 */
import type { Knex } from "knex";
import type { ForeignKey, ReferenceData } from "../store-model.js";
import type { EngineDialect } from "./engines/engine-dialect.js";
import { readDeclaredNames } from "./introspection/mssql.js";

/** Duplicate names reported per lookup: more are a data clean-up of their own. */
const MAX_DUPLICATES = 20;

export function sqlReferenceData(db: Knex, dialect: EngineDialect): ReferenceData {
  return {
    async lookupNames(lookup) {
      const [counted] = await db(lookup.table).count({ total: "*" });
      const folded = db.raw("LOWER(??)", [lookup.nameColumn]);
      const shared: Record<string, unknown>[] = await db(lookup.table)
        .select({ name: folded })
        .whereNotNull(lookup.nameColumn)
        .groupBy(folded)
        .havingRaw("COUNT(*) > 1")
        .orderBy("name")
        .limit(MAX_DUPLICATES);
      const duplicates = [];
      for (const { name } of shared) {
        const keys = await db(lookup.table).whereRaw("LOWER(??) = ?", [lookup.nameColumn, String(name)]).orderBy(lookup.keyColumn).pluck(lookup.keyColumn);
        duplicates.push({ name: String(name), keys: keys.map(String) });
      }
      return { rows: Number((counted as { total: unknown } | undefined)?.total ?? 0), duplicates };
    },
    foreignKeys: (table) => readForeignKeys(db, dialect.engine, table),
    async missingValues(table, column, values, ignoreCase) {
      if (values.length === 0) return [];
      const wanted = ignoreCase ? values.map((v) => v.toLowerCase()) : [...values];
      const query = db(table).select({ value: ignoreCase ? db.raw("LOWER(??)", [column]) : column });
      if (ignoreCase) query.whereRaw(`LOWER(??) IN (${wanted.map(() => "?").join(", ")})`, [column, ...wanted]);
      else query.whereIn(column, wanted);
      const found = new Set((await query).map((row: Record<string, unknown>) => String(row.value)));
      return values.filter((value, i) => !found.has(wanted[i]!));
    },
    distinctValues: (table, column, limit) => readDistinctValues(db, table, column, limit),
  };
}

/** Up to `limit` distinct non-null values of a column, as text. */
export async function readDistinctValues(db: Knex, table: string, column: string, limit: number): Promise<string[]> {
  const rows: Record<string, unknown>[] = await db(table).distinct({ value: column }).whereNotNull(column).limit(limit);
  return rows.map((row) => storedText(row.value)).filter((value) => value !== "");
}

/** A stored value as text: DATE columns come back as Date objects, CHAR as padded text. */
function storedText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (Buffer.isBuffer(value)) return value.toString("hex");
  return String(value).trimEnd();
}

type ForeignKeyReader = (db: Knex, table: string) => Promise<ForeignKey[]>;

/** The table's single-column foreign keys, with the tables and columns they reference. */
export function readForeignKeys(db: Knex, engine: EngineDialect["engine"], table: string): Promise<ForeignKey[]> {
  return FOREIGN_KEYS[engine](db, table);
}

const FOREIGN_KEYS: Record<EngineDialect["engine"], ForeignKeyReader> = {
  async sqlite(db, table) {
    const rows: { from: string; table: string; to: string | null }[] = await db.raw("SELECT * FROM pragma_foreign_key_list(?)", [table]);
    const keys: ForeignKey[] = [];
    for (const row of rows) {
      // No target column: the referenced table's primary key.
      const to = row.to ?? ((await db.raw("SELECT name FROM pragma_table_info(?) WHERE pk = 1", [row.table])) as { name: string }[])[0]?.name;
      if (to) keys.push({ column: row.from, table: row.table, referencedColumn: to });
    }
    return keys;
  },
  async postgres(db, table) {
    const result = await db.raw(
      `SELECT a.attname AS "column", rt.relname AS "table", ra.attname AS "referencedColumn"
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN pg_class rt ON rt.oid = c.confrelid
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND t.relname = ? AND n.nspname = current_schema()`,
      [table],
    );
    return result.rows as ForeignKey[];
  },
  async mariadb(db, table) {
    const [rows] = await db.raw(
      `SELECT k.COLUMN_NAME AS \`column\`, k.REFERENCED_TABLE_NAME AS \`table\`, k.REFERENCED_COLUMN_NAME AS referencedColumn
         FROM information_schema.KEY_COLUMN_USAGE k
        WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
          AND (SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE o
                WHERE o.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND o.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND o.TABLE_NAME = k.TABLE_NAME) = 1`,
      [table],
    );
    return rows as ForeignKey[];
  },
  async mssql(db, table) {
    const rows: ForeignKey[] = await db.raw(
      `SELECT c.name AS [column], rt.name AS [table], rc.name AS referencedColumn
         FROM sys.foreign_key_columns fkc
         JOIN sys.tables t ON t.object_id = fkc.parent_object_id
         JOIN sys.columns c ON c.object_id = fkc.parent_object_id AND c.column_id = fkc.parent_column_id
         JOIN sys.tables rt ON rt.object_id = fkc.referenced_object_id
         JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
        WHERE t.name = ? AND SCHEMA_NAME(t.schema_id) = SCHEMA_NAME()
          AND (SELECT COUNT(*) FROM sys.foreign_key_columns o WHERE o.constraint_object_id = fkc.constraint_object_id) = 1`,
      [table],
    );
    const names = await readDeclaredNames(db);
    return rows.map((k) => ({ column: names.column(table, k.column), table: names.table(k.table), referencedColumn: names.column(k.table, k.referencedColumn) }));
  },
};
