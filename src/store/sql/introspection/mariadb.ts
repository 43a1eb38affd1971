/** MariaDB / MySQL: information_schema.columns and .statistics of the current database. */
import type { Knex } from "knex";
import { assembleTables, type TableInfo } from "./database-schema.js";

interface ColumnRow { TABLE_NAME: string; COLUMN_NAME: string; DATA_TYPE: string; IS_NULLABLE: string; CHARACTER_MAXIMUM_LENGTH: number | null; COLUMN_DEFAULT: string | null; EXTRA: string }
interface IndexRow { TABLE_NAME: string; INDEX_NAME: string; NON_UNIQUE: number; COLUMN_NAME: string }

export async function mariadbSchema(db: Knex): Promise<TableInfo[]> {
  const [columns] = (await db.raw(
    `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH, COLUMN_DEFAULT, EXTRA
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
  )) as [ColumnRow[]];
  const [indexes] = (await db.raw(
    `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
  )) as [IndexRow[]];
  return assembleTables(
    columns.map((c) => ({
      table: c.TABLE_NAME,
      name: c.COLUMN_NAME,
      type: c.DATA_TYPE.toLowerCase(),
      nullable: c.IS_NULLABLE === "YES",
      ...(c.CHARACTER_MAXIMUM_LENGTH !== null && { maxLength: Number(c.CHARACTER_MAXIMUM_LENGTH) }),
      // MariaDB reports a missing default as NULL, or as the text 'NULL' for nullable columns.
      generated: (c.COLUMN_DEFAULT !== null && c.COLUMN_DEFAULT !== "NULL") || /auto_increment/i.test(c.EXTRA),
    })),
    indexes.map((i) => ({ table: i.TABLE_NAME, index: i.INDEX_NAME, unique: i.NON_UNIQUE === 0, primary: i.INDEX_NAME === "PRIMARY", column: i.COLUMN_NAME })),
  );
}
