/**
 * Checks a compiled mapping against a live database's tables before go-live: every table and
 * column exists, values fit, NOT NULL columns are covered, an index serves every filterable
 * attribute. Errors break provisioning; warnings say what to improve, with the fix.
 */
import type { ColumnInfo, TableInfo } from "../store/sql/introspection/database-schema.js";
import type { CompiledMapping, MappedAttribute } from "./compiled-mapping.js";
import { DEFAULT_DATE_FORMAT, DEFAULT_DATE_TIME_FORMAT, encodeDate } from "./date-codec.js";
import { COUNTRY_CODE_WIDTH } from "./mapping-schema.js";

export interface Finding {
  readonly level: "error" | "warning";
  /** What the finding is about: a mapping key or a table.column. */
  readonly subject: string;
  readonly message: string;
  /** What to change: a mapping edit or the DDL to run. */
  readonly fix?: string;
}

export interface CheckOptions {
  /** The engine compares text case-sensitively, so case-insensitive filters need lower(column) indexes (PostgreSQL). */
  readonly needsFoldedIndexes: boolean;
  /** Quotes a table, column or index name in suggested DDL as the engine writes it (default: as is). */
  readonly quote?: (name: string) => string;
  /**
   * Which names the engine compares with case, so that a name written in another case fails at
   * run time: PostgreSQL all (the bridge quotes them), MariaDB on Linux its tables. Default none.
   */
  readonly caseSensitiveNames?: "all" | "tables" | "none";
}

const BOOLEAN_TYPES = /^(bit|boolean|bool|tinyint|smallint|int|integer|number)$/;
const DATE_TYPES = /^(date|datetime|datetime2|smalldatetime|timestamp|timestamp without time zone|timestamp with time zone|text|varchar|nvarchar|character varying)$/;
/** Text padded to its length: every value it holds has exactly that many characters. */
const FIXED_TEXT_TYPES = /^(char|nchar|character|bpchar)$/;
export const TEXT_TYPES = /^(text|varchar|nvarchar|char|nchar|character|character varying|bpchar|tinytext|mediumtext|longtext|ntext)$/;
/** Formats DATE and DATETIME columns take as they are. */
const ISO_FORMATS = new Set([DEFAULT_DATE_FORMAT, DEFAULT_DATE_TIME_FORMAT, "YYYY-MM-DD HH:mm", "YYYY-MM-DD HH:mm:ss.SSS", "YYYY-MM-DD[T]HH:mm:ss"]);
export const INTEGER_TYPES = /^(int|integer|bigint|smallint|tinyint|mediumint|numeric|decimal|number)$/;

export function checkMapping(mapping: CompiledMapping, tables: readonly TableInfo[], options: CheckOptions): Finding[] {
  const findings: Finding[] = [];
  const table = (name: string) => tables.find((t) => t.name.toLowerCase() === name.toLowerCase());
  const model = mapping.model;
  const users = table(model.table);
  if (!users) return [{ level: "error", subject: `user.table`, message: `table ${model.table} does not exist (tables: ${tables.map((t) => t.name).join(", ")})` }];
  const column = (t: TableInfo, name: string) => t.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  const requireColumn = (t: TableInfo | undefined, tableName: string, name: string | undefined, subject: string): ColumnInfo | undefined => {
    if (!name) return undefined;
    if (!t) return undefined;
    const found = column(t, name);
    if (!found) findings.push({ level: "error", subject, message: `column ${tableName}.${name} does not exist` });
    return found;
  };

  for (const [key, name] of Object.entries({ key: model.keyColumn, email: model.emailColumn, created: model.createdColumn, modified: model.modifiedColumn })) {
    requireColumn(users, model.table, name, `user.${key}`);
  }
  findings.push(...checkDeletedFlag(model, requireColumn(users, model.table, model.deletedColumn, "user.deleted")));
  for (const lookup of model.lookups) {
    const userColumn = requireColumn(users, model.table, lookup.column, `lookups.${lookup.name}.column`);
    if (lookup.onMissing === "empty" && userColumn && !userColumn.nullable) {
      findings.push({
        level: "error",
        subject: `lookups.${lookup.name}.missing`,
        message: `missing: empty leaves ${model.table}.${userColumn.name} empty for an unknown ${lookup.name}, but the column is NOT NULL: every such user would fail in the database`,
        fix: `allow NULL in ${model.table}.${userColumn.name}, or use missing: create or missing: refuse`,
      });
    }
    const lookupTable = table(lookup.table);
    if (!lookupTable) findings.push({ level: "error", subject: `lookups.${lookup.name}.table`, message: `table ${lookup.table} does not exist` });
    requireColumn(lookupTable, lookup.table, lookup.keyColumn, `lookups.${lookup.name}.key`);
    const nameColumn = requireColumn(lookupTable, lookup.table, lookup.nameColumn, `lookups.${lookup.name}.name`);
    if (lookupTable && nameColumn && !hasIndexOn(lookupTable, nameColumn.name, false)) {
      findings.push({ level: "warning", subject: `lookups.${lookup.name}`, message: `no index on ${lookup.table}.${lookup.nameColumn}: every write scans it`, fix: createIndex(options, lookup.table, lookup.nameColumn, false) });
    }
  }
  for (const child of model.children) {
    const childTable = table(child.table);
    if (!childTable) findings.push({ level: "error", subject: `children.${child.name}.table`, message: `table ${child.table} does not exist` });
    for (const [key, name] of Object.entries({ parent: child.parentColumn, type: child.typeColumn, value: child.valueColumn })) {
      requireColumn(childTable, child.table, name, `children.${child.name}.${key}`);
    }
  }
  for (const dependent of model.dependents) {
    const dependentTable = table(dependent.table);
    if (!dependentTable) findings.push({ level: "error", subject: `dependents`, message: `table ${dependent.table} does not exist` });
    requireColumn(dependentTable, dependent.table, dependent.column, `dependents`);
  }

  for (const [index, constant] of mapping.constants.entries()) requireColumn(users, model.table, constant.column, `constants[${index}]`);
  for (const [index, attribute] of mapping.attributes.entries()) {
    findings.push(...checkAttribute(mapping, attribute, `attributes[${index}] (${attribute.name})`, users, table, options));
    findings.push(...checkParts(attribute, `attributes[${index}] (${attribute.name})`, users));
  }
  findings.push(...checkNotNullCoverage(mapping, users));
  findings.push(...checkNameCase(mapping, table, options));
  return findings;
}

/** Every table, and the columns in it, that the mapping names. */
function namesUsed(mapping: CompiledMapping): Map<string, Set<string>> {
  const model = mapping.model;
  const uses = new Map<string, Set<string>>();
  const use = (table: string, ...columns: (string | undefined)[]) => {
    const set = uses.get(table) ?? new Set<string>();
    for (const column of columns) if (column) set.add(column);
    uses.set(table, set);
  };
  use(model.table, model.keyColumn, model.emailColumn, model.activeColumn, model.deletedColumn, model.createdColumn, model.modifiedColumn, ...model.columns, ...model.selfReferences);
  use(model.table, ...model.lookups.map((l) => l.column), ...mapping.constants.map((c) => c.column));
  for (const attribute of mapping.attributes) use(model.table, ...(attribute.entry.columns ?? []));
  for (const lookup of model.lookups) use(lookup.table, lookup.keyColumn, lookup.nameColumn);
  for (const child of model.children) use(child.table, child.parentColumn, child.typeColumn, child.valueColumn);
  for (const dependent of model.dependents) use(dependent.table, dependent.column);
  return uses;
}

/** A name found only in another case, on an engine that compares names with case, fails at run time. */
function checkNameCase(mapping: CompiledMapping, table: (name: string) => TableInfo | undefined, options: CheckOptions): Finding[] {
  const sensitive = options.caseSensitiveNames ?? "none";
  if (sensitive === "none") return [];
  const findings: Finding[] = [];
  const misspelt = (kind: string, written: string, actual: string) =>
    findings.push({ level: "error", subject: written, message: `${kind} ${written} is written ${actual} in the database, and this engine compares names with case: every query would fail`, fix: `write ${actual}` });
  for (const [tableName, columns] of namesUsed(mapping)) {
    const found = table(tableName);
    if (!found) continue;
    if (found.name !== tableName) misspelt("table", tableName, found.name);
    if (sensitive !== "all") continue;
    for (const columnName of columns) {
      const column = found.columns.find((c) => c.name.toLowerCase() === columnName.toLowerCase());
      if (column && column.name !== columnName) misspelt("column", `${tableName}.${columnName}`, `${found.name}.${column.name}`);
    }
  }
  return findings;
}

/** A column as findings name it: Users.CountryCode (char(2)). */
function describeColumn(table: string, column: ColumnInfo): string {
  return `${table}.${column.name} (${column.type}${column.maxLength ? `(${column.maxLength})` : ""})`;
}

/**
 * A soft-delete flag kept as text or codes needs its two values: compared as a boolean, 'N' is
 * neither true nor false, so every user would look deleted (or none would be).
 */
function checkDeletedFlag(model: CompiledMapping["model"], column: ColumnInfo | undefined): Finding[] {
  if (!column || !model.deletedColumn) return [];
  const where = describeColumn(model.table, column);
  const values = model.deletedValues;
  if (!values) {
    if (BOOLEAN_TYPES.test(column.type)) return [];
    return [{
      level: "error",
      subject: "user.deleted",
      message: `${where} is not a boolean column: without its values the bridge would compare it with true/false, and see every user as deleted or none`,
      fix: `deleted: { column: ${column.name}, values: { "true": <what a deleted user holds>, "false": <what a live user holds> } }`,
    }];
  }
  const tooLong = [values.deleted, values.live].filter((v) => column.maxLength !== undefined && String(v).length > column.maxLength);
  return tooLong.map((v) => ({ level: "error" as const, subject: "user.deleted", message: `the value ${JSON.stringify(v)} is longer than ${where}` }));
}

function checkAttribute(
  mapping: CompiledMapping,
  attribute: MappedAttribute,
  subject: string,
  users: TableInfo,
  table: (name: string) => TableInfo | undefined,
  options: CheckOptions,
): Finding[] {
  const findings: Finding[] = [];
  const field = attribute.field;
  let target: { table: TableInfo; column: ColumnInfo } | undefined;
  if (field.kind === "column" || field.kind === "key") {
    const name = field.kind === "key" ? mapping.model.keyColumn : field.column;
    const found = users.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!found) return [{ level: "error", subject, message: `column ${users.name}.${name} does not exist` }];
    target = { table: users, column: found };
  } else if (field.kind === "lookup") {
    const lookup = mapping.model.lookups.find((l) => l.name === field.lookup)!;
    const lookupTable = table(lookup.table);
    const found = lookupTable?.columns.find((c) => c.name.toLowerCase() === lookup.nameColumn.toLowerCase());
    if (lookupTable && found) target = { table: lookupTable, column: found };
  } else {
    const child = mapping.model.children.find((c) => c.name === field.child)!;
    const childTable = table(child.table);
    const found = childTable?.columns.find((c) => c.name.toLowerCase() === child.valueColumn.toLowerCase());
    if (childTable && found) target = { table: childTable, column: found };
  }
  if (!target) return findings;
  const { column } = target;
  const where = describeColumn(target.table.name, column);
  const valueType = attribute.entry.valueType;
  if (valueType === "boolean" && !attribute.entry.values && !BOOLEAN_TYPES.test(column.type)) findings.push({ level: "error", subject, message: `${where} cannot hold a boolean` });
  if ((valueType === "date" || valueType === "dateTime") && !DATE_TYPES.test(column.type) && !TEXT_TYPES.test(column.type)) findings.push({ level: "error", subject, message: `${where} cannot hold a date` });
  findings.push(...checkDateColumn(attribute, subject, where, column));
  if (valueType === "userReference" && !INTEGER_TYPES.test(column.type)) findings.push({ level: "warning", subject, message: `${where} holds a user reference but is not an integer like the user key` });
  if (valueType === "string" && column.maxLength !== undefined && attribute.entry.write && !attribute.entry.columns) {
    const countryWidth = attribute.entry.transform && COUNTRY_CODE_WIDTH[attribute.entry.transform];
    const limit = countryWidth ?? attribute.entry.maxLength;
    // A fixed-width CHAR(3) column of CAN/USA codes given 2-letter codes (or the reverse) stores
    // values no BIS screen knows: the transform must store the column's own form.
    if (countryWidth && FIXED_TEXT_TYPES.test(column.type) && column.maxLength !== countryWidth) {
      const fits = Object.entries(COUNTRY_CODE_WIDTH).filter(([, width]) => width === column.maxLength).map(([name]) => name);
      findings.push({
        level: "error",
        subject,
        message: `${where} keeps ${column.maxLength}-character codes, but ${attribute.entry.transform} stores ${countryWidth}`,
        fix: fits.length ? `use transform: ${fits.join(" (or ")}${fits.length > 1 ? ")" : ""}` : `store the codes in a column of ${countryWidth} characters`,
      });
    }
    if (limit === undefined) {
      findings.push({ level: "warning", subject, message: `${where} takes at most ${column.maxLength} characters; longer values would fail in the database`, fix: `add maxLength: ${column.maxLength} to the attribute` });
    } else if (limit > column.maxLength) {
      findings.push({ level: "error", subject, message: `maxLength ${limit} is longer than ${where}`, fix: `set maxLength: ${column.maxLength}` });
    }
  }
  if (attribute.entry.filter === "indexed" && target.table === users) {
    const folded = options.needsFoldedIndexes && !attribute.definition.caseExact && valueType === "string";
    if (!hasIndexOn(users, column.name, folded)) {
      const expression = folded ? `lower(${column.name})` : column.name;
      findings.push({
        level: "warning",
        subject,
        message: `filter: indexed, but no index on ${users.name}.${expression}: Entra's matching queries would scan the table`,
        fix: createIndex(options, users.name, column.name, folded),
      });
    }
  }
  return findings;
}

/** A value split across columns: each column exists, and a part longer than its column is warned of. */
function checkParts(attribute: MappedAttribute, subject: string, users: TableInfo): Finding[] {
  const { columns, maxLength, write } = attribute.entry;
  if (!columns) return [];
  return columns.flatMap((name, i): Finding[] => {
    const column = users.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!column) return i === 0 ? [] : [{ level: "error", subject, message: `column ${users.name}.${name} does not exist` }];
    if (!write || column.maxLength === undefined || (maxLength !== undefined && maxLength <= column.maxLength)) return [];
    return [{ level: "warning", subject, message: `${users.name}.${name} takes at most ${column.maxLength} characters: a longer part would fail in the database`, fix: `keep the value short with maxLength: ${column.maxLength}, or widen the column` }];
  });
}

/** Text formats need a text column; a date-time needs a column that keeps the time. */
function checkDateColumn(attribute: MappedAttribute, subject: string, where: string, column: ColumnInfo): Finding[] {
  const { valueType, dateFormat } = attribute.entry;
  if (valueType !== "date" && valueType !== "dateTime") return [];
  const text = TEXT_TYPES.test(column.type);
  if (dateFormat && !text && !ISO_FORMATS.has(dateFormat)) {
    return [{ level: "error", subject, message: `dateFormat ${dateFormat} writes text, but ${where} is not a text column`, fix: "remove dateFormat (the column takes the date as it is)" }];
  }
  if (valueType === "dateTime" && column.type === "date") {
    return [{ level: "error", subject, message: `${where} keeps no time of day: a dateTime would lose it`, fix: "use valueType: date" }];
  }
  if (dateFormat && text && column.maxLength !== undefined) {
    const longest = encodeDate(attribute.entry, "2000-12-31T23:59:59.999Z").length;
    if (longest > column.maxLength) return [{ level: "error", subject, message: `dateFormat ${dateFormat} writes ${longest} characters; ${where} holds ${column.maxLength}` }];
  }
  return [];
}

/** A NOT NULL column nothing fills makes every create fail in the database. */
function checkNotNullCoverage(mapping: CompiledMapping, users: TableInfo): Finding[] {
  const model = mapping.model;
  const managed = new Set([model.keyColumn, model.createdColumn, model.modifiedColumn, model.deletedColumn].filter(Boolean).map((c) => c!.toLowerCase()));
  const written = new Map<string, MappedAttribute>();
  for (const attribute of mapping.attributes) {
    if (!attribute.entry.write) continue;
    const column = attribute.field.kind === "column" ? attribute.field.column : attribute.field.kind === "lookup" ? model.lookups.find((l) => l.name === (attribute.field as { lookup: string }).lookup)!.column : undefined;
    for (const part of attribute.entry.columns ?? (column ? [column] : [])) written.set(part.toLowerCase(), attribute);
  }
  for (const constant of mapping.constants) managed.add(constant.column.toLowerCase());
  return users.columns.flatMap((column): Finding[] => {
    if (column.nullable || column.generated || managed.has(column.name.toLowerCase())) return [];
    const attribute = written.get(column.name.toLowerCase());
    if (!attribute) {
      return [{ level: "error", subject: `${users.name}.${column.name}`, message: `NOT NULL without a default, and no attribute writes it: every create would fail`, fix: `map an attribute to ${column.name} with required: true` }];
    }
    if (!attribute.entry.required && attribute.entry.default === undefined) {
      return [{ level: "warning", subject: `${users.name}.${column.name}`, message: `NOT NULL, but ${attribute.name} is optional: a request without it would fail in the database`, fix: `add required: true to ${attribute.name}` }];
    }
    return [];
  });
}

/** Whether an index leads with the column (or, folded, with lower(column)). */
/**
 * Whether an index leads with the column (or, folded, with lower(column)). Expression keys come
 * as the engine prints them (PostgreSQL: lower(("EMail_Address")::text)): quotes, casts, spaces
 * and parentheses are dropped before comparing.
 */
export function hasIndexOn(table: TableInfo, column: string, folded: boolean): boolean {
  const plain = (text: string) => text.toLowerCase().replace(/::[a-z ]+/g, "").replace(/["`[\]()\s]/g, "");
  const wanted = plain(folded ? `lower(${column})` : column);
  return table.indexes.some((index) => plain(index.columns[0] ?? "") === wanted) || (!folded && plain(table.primaryKey[0] ?? "") === wanted);
}

/** The DDL for a missing index, with names quoted as the engine needs them (mixed case on PostgreSQL). */
function createIndex(options: CheckOptions, table: string, column: string, folded: boolean): string {
  const q = options.quote ?? ((name: string) => name);
  const expression = folded ? `lower(${q(column)})` : q(column);
  return `CREATE INDEX ${q(`IX_${table}_${column}${folded ? "_lower" : ""}`)} ON ${q(table)} (${expression});`;
}
