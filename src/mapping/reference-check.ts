/**
 * Whether the values a mapping writes into references will resolve in the live data, for
 * `check`: a lookup that refuses missing names needs rows (and names that tell its rows apart),
 * and the fixed values of constants, value maps and defaults must exist where they point (a
 * lookup's names, or the table a foreign key references). Errors break provisioning.
 */
import type { ForeignKey, LookupModel, ReferenceData } from "../store/store-model.js";
import type { CompiledMapping, MappedAttribute } from "./compiled-mapping.js";
import type { Finding } from "./mapping-check.js";
import { encodeValue, ValueRuleError } from "./value-codec.js";

/** A fixed value the mapping writes, and where in the mapping it comes from. */
interface FixedValue {
  readonly subject: string;
  readonly column: string;
  readonly value: string;
  readonly what: string;
}

export async function checkReferences(mapping: CompiledMapping, data: ReferenceData): Promise<Finding[]> {
  const findings: Finding[] = [];
  const written = mapping.attributes.filter((a) => a.entry.write);
  for (const lookup of mapping.model.lookups) {
    const users = written.filter((a) => a.field.kind === "lookup" && a.field.lookup === lookup.name).map((a) => a.name);
    if (users.length > 0) findings.push(...(await checkLookupTable(lookup, users, data)));
  }
  const fixed = fixedValues(mapping, written);
  const foreignKeys = fixed.length > 0 ? await data.foreignKeys(mapping.model.table) : [];
  for (const [column, values] of groupBy(fixed, (v) => v.column.toLowerCase())) {
    const lookup = mapping.model.lookups.find((l) => l.column.toLowerCase() === column);
    const foreignKey = foreignKeys.find((k) => k.column.toLowerCase() === column);
    if (lookup) findings.push(...(await checkLookupNames(lookup, values, data)));
    else if (foreignKey) findings.push(...(await checkReferencedKeys(mapping.model.table, foreignKey, values, data)));
  }
  return findings;
}

async function checkLookupTable(lookup: LookupModel, attributes: readonly string[], data: ReferenceData): Promise<Finding[]> {
  const subject = `lookups.${lookup.name}`;
  const names = await data.lookupNames(lookup);
  const findings: Finding[] = [];
  if (names.rows === 0 && lookup.onMissing === "refuse") {
    findings.push({
      level: "error",
      subject,
      message: `${lookup.table} is empty and the lookup refuses names it does not know: every ${attributes.join(", ")} Entra sends would be refused with 400`,
      fix: `fill ${lookup.table}, or set missing: create`,
    });
  }
  if (names.rows === 0 && lookup.onMissing === "empty") {
    findings.push({
      level: "warning",
      subject,
      message: `${lookup.table} is empty and the lookup leaves names it does not know empty: every user's ${attributes.join(", ")} would be left empty (and reported)`,
      fix: `fill ${lookup.table}, or set missing: create`,
    });
  }
  for (const duplicate of names.duplicates) {
    findings.push({
      level: "warning",
      subject,
      message: `${duplicate.keys.length} rows of ${lookup.table} are named "${duplicate.name}" ignoring case (keys ${duplicate.keys.join(", ")}): users get the lowest key, ${duplicate.keys[0]}`,
      fix: `merge these rows of ${lookup.table}, or name them apart`,
    });
  }
  return findings;
}

/**
 * Through a lookup the values are names: a refusing lookup must know them, and so must one that
 * leaves unknown names empty (else the fixed value is never stored); a creating one adds them.
 */
async function checkLookupNames(lookup: LookupModel, values: readonly FixedValue[], data: ReferenceData): Promise<Finding[]> {
  if (lookup.onMissing === "create") return [];
  const missing = await data.missingValues(lookup.table, lookup.nameColumn, distinct(values), true);
  const outcome = lookup.onMissing === "refuse" ? "refuses names it does not know: writing it would fail with 400" : "leaves names it does not know empty: it would never be stored";
  return unresolved(values, missing, (v) => ({
    message: `${v.what} "${v.value}" is not a name in ${lookup.table}.${lookup.nameColumn}, and lookup ${lookup.name} ${outcome}`,
    fix: `add "${v.value}" to ${lookup.table}, or correct the value`,
  }));
}

/** Into a foreign key column the values are keys of the referenced table. */
async function checkReferencedKeys(table: string, key: ForeignKey, values: readonly FixedValue[], data: ReferenceData): Promise<Finding[]> {
  const missing = await data.missingValues(key.table, key.referencedColumn, distinct(values), false);
  return unresolved(values, missing, (v) => ({
    message: `${v.what} "${v.value}" is not in ${key.table}.${key.referencedColumn}, which ${table}.${key.column} references: writing it would fail in the database`,
    fix: `add it to ${key.table}, or correct the value`,
  }));
}

/** An error for each fixed value among the missing ones. */
function unresolved(values: readonly FixedValue[], missing: readonly string[], describe: (v: FixedValue) => { message: string; fix: string }): Finding[] {
  return values.filter((v) => missing.includes(v.value)).map((v) => ({ level: "error", subject: v.subject, ...describe(v) }));
}

/** Constants, value-map targets and defaults, each with the user-table column it lands in. */
function fixedValues(mapping: CompiledMapping, written: readonly MappedAttribute[]): FixedValue[] {
  const values: FixedValue[] = mapping.constants.map((c, i) => ({ subject: `constants[${i}]`, column: c.column, value: String(c.value), what: "the constant" }));
  for (const attribute of written) {
    const column = columnOf(mapping, attribute);
    if (!column) continue;
    const subject = `attributes[${mapping.attributes.indexOf(attribute)}] (${attribute.name})`;
    for (const bis of Object.values(attribute.entry.values ?? {})) values.push({ subject, column, value: bis, what: "the value map's" });
    if (attribute.entry.default !== undefined) {
      try {
        const value = encodeValue(attribute.entry, attribute.entry.default);
        if (value !== null) values.push({ subject, column, value: String(value), what: "the default" });
      } catch (error) {
        if (!(error instanceof ValueRuleError)) throw error;
        values.push({ subject, column, value: String(attribute.entry.default), what: "the default" });
      }
    }
  }
  return values;
}

function columnOf(mapping: CompiledMapping, attribute: MappedAttribute): string | undefined {
  const field = attribute.field;
  if (field.kind === "lookup") return mapping.model.lookups.find((l) => l.name === field.lookup)?.column;
  return field.kind === "column" && !attribute.entry.columns ? field.column : undefined;
}

const distinct = (values: readonly FixedValue[]) => [...new Set(values.map((v) => v.value))];

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
