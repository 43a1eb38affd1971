/** SQLite: sqlite_master and the table_info / index_list / index_info pragmas. */
import type { Knex } from "knex";
import type { TableInfo } from "./database-schema.js";

interface PragmaColumn { name: string; type: string; notnull: number; dflt_value: unknown; pk: number }
interface PragmaIndex { name: string; unique: number; origin: string }

export async function sqliteSchema(db: Knex): Promise<TableInfo[]> {
  const tables: { name: string }[] = await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  return Promise.all(
    tables.map(async ({ name }) => {
      const columns: PragmaColumn[] = await db.raw("SELECT * FROM pragma_table_info(?)", [name]);
      const indexes: PragmaIndex[] = await db.raw("SELECT * FROM pragma_index_list(?)", [name]);
      const integerKey = columns.filter((c) => c.pk > 0).length === 1 && /^integer$/i.test(columns.find((c) => c.pk > 0)!.type);
      return {
        name,
        primaryKey: columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
        columns: columns.map((c) => {
          const length = /\((\d+)\)/.exec(c.type)?.[1];
          return {
            name: c.name,
            type: c.type.replace(/\(.*\)/, "").trim().toLowerCase(),
            nullable: c.notnull === 0 && c.pk === 0,
            ...(length && { maxLength: Number(length) }),
            // INTEGER PRIMARY KEY is the rowid: SQLite assigns it.
            generated: c.dflt_value !== null || (integerKey && c.pk > 0),
          };
        }),
        indexes: await Promise.all(
          indexes.map(async (index) => {
            const keyColumns: { name: string | null }[] = await db.raw("SELECT name FROM pragma_index_info(?)", [index.name]);
            return { name: index.name, unique: index.unique === 1, columns: keyColumns.map((k) => k.name ?? "(expression)") };
          }),
        ),
      };
    }),
  );
}
