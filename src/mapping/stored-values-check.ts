/**
 * Whether the mapping reads the rows BIS already holds as they are, for `check`: a flag's value
 * map must name every code in the column (else users read as deleted or inactive), a text date's
 * format must fit the stored dates (else the bridge writes a second format beside the first and
 * answers the old ones as plain text), and a country transform must write the form the column
 * keeps. Read from a sample of each column's distinct values.
 */
import type { ColumnInfo, TableInfo } from "../store/sql/introspection/database-schema.js";
import type { ReferenceData } from "../store/store-model.js";
import type { CompiledMapping, MappedAttribute } from "./compiled-mapping.js";
import { DEFAULT_DATE_FORMAT, DEFAULT_DATE_TIME_FORMAT, fitsDateFormat } from "./date-codec.js";
import type { Finding } from "./mapping-check.js";
import { TEXT_TYPES } from "./mapping-check.js";
import { guessCountryForm, guessDateFormat, guessFlagValues, type CountryForm } from "./value-guesses.js";

/** What the check reads of the live data. */
type StoredValues = Pick<ReferenceData, "distinctValues">;

/** Enough distinct codes to see every flag value; enough dates to tell DD/MM from MM/DD. */
const FLAG_SAMPLE = 50;
const DATE_SAMPLE = 500;
const EXAMPLES = 3;

const COUNTRY_TRANSFORMS: Record<CountryForm, string> = { alpha2: "country-alpha2", alpha3: "country-alpha3", numeric: "country-numeric" };
const FORM_NAMES: Record<CountryForm, string> = { alpha2: "alpha-2 (CA)", alpha3: "alpha-3 (CAN)", numeric: "numeric (124)" };

export async function checkStoredValues(mapping: CompiledMapping, users: TableInfo, data: StoredValues): Promise<Finding[]> {
  const model = mapping.model;
  const columnInfo = (name: string) => users.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  const stored = (column: string, limit: number) => data.distinctValues(model.table, column, limit);
  const findings: Finding[] = [];
  if (model.deletedColumn && model.deletedValues) {
    const { deleted, live } = model.deletedValues;
    const unknown = (await stored(model.deletedColumn, FLAG_SAMPLE)).filter((v) => v !== String(deleted) && v !== String(live));
    if (unknown.length > 0) {
      const guess = guessFlagValues([String(deleted), String(live), ...unknown]);
      findings.push({
        level: "error",
        subject: "user.deleted",
        message: `${model.table}.${model.deletedColumn} holds ${listed(unknown)}, which its values (${JSON.stringify(deleted)} deleted, ${JSON.stringify(live)} live) do not name: a row is live only when it holds ${JSON.stringify(live)} or nothing, so those users would be hidden from Entra (404, filters miss them) and Entra would create them again`,
        fix: guess
          ? `deleted: { column: ${model.deletedColumn}, values: { "true": ${guess.true}, "false": ${guess.false} } } if that is what the codes mean, or clean the rows in BIS`
          : `name the codes ${model.deletedColumn} holds in values, or clean the rows in BIS`,
      });
    }
  }
  for (const [index, attribute] of mapping.attributes.entries()) {
    const field = attribute.field;
    if (field.kind !== "column") continue;
    const column = columnInfo(field.column);
    if (!column) continue;
    const subject = `attributes[${index}] (${attribute.name})`;
    const entry = attribute.entry;
    if (entry.valueType === "boolean" && entry.values) findings.push(...(await checkFlag(attribute, subject, model.table, column, stored)));
    else if ((entry.valueType === "date" || entry.valueType === "dateTime") && TEXT_TYPES.test(column.type)) findings.push(...(await checkDates(attribute, subject, model.table, column, stored)));
    else if (entry.transform?.startsWith("country-")) findings.push(...(await checkCountries(attribute, subject, model.table, column, stored)));
  }
  return findings;
}

type Sample = (column: string, limit: number) => Promise<string[]>;

/** A code the value map does not name reads as false: an active user would look disabled to Entra. */
async function checkFlag(attribute: MappedAttribute, subject: string, table: string, column: ColumnInfo, stored: Sample): Promise<Finding[]> {
  const values = attribute.entry.values!;
  const named = new Set(Object.values(values));
  const unknown = (await stored(column.name, FLAG_SAMPLE)).filter((v) => !named.has(v));
  if (unknown.length === 0) return [];
  const guess = guessFlagValues([...named, ...unknown]);
  return [{
    level: "error",
    subject,
    message: `${table}.${column.name} holds ${listed(unknown)}, which the values map does not name: those users would read as ${attribute.name} false, and Entra would write them again`,
    fix: guess ? `values: { "true": ${guess.true}, "false": ${guess.false} } if that is what the codes mean, or clean the rows in BIS` : `name the codes ${column.name} holds in values, or clean the rows in BIS`,
  }];
}

/**
 * Dates in another format than the mapping's: when all fit another format, the mapping's is wrong
 * (error, with the format they fit); when none fits them all, the data is unclean (warning: those
 * rows are answered to Entra as the stored text).
 */
async function checkDates(attribute: MappedAttribute, subject: string, table: string, column: ColumnInfo, stored: Sample): Promise<Finding[]> {
  const entry = attribute.entry;
  const format = entry.dateFormat ?? (entry.valueType === "dateTime" ? DEFAULT_DATE_TIME_FORMAT : DEFAULT_DATE_FORMAT);
  const values = (await stored(column.name, DATE_SAMPLE)).map((v) => v.trim()).filter((v) => v !== "");
  const misfits = values.filter((v) => !fitsDateFormat(format, v));
  if (misfits.length === 0) return [];
  const where = `${table}.${column.name}`;
  const guess = guessDateFormat(values);
  if (!guess) {
    return [{
      level: "warning",
      subject,
      message: `${misfits.length} of ${values.length} dates sampled in ${where} are no date in ${format}, nor all in any other format (${listed(misfits)}): Entra gets those as stored text`,
      fix: `correct those rows in BIS, or set dateFormat to the format most of them are in (tokens in docs/mapping.md)`,
    }];
  }
  return [{
    level: "error",
    subject,
    message: `${misfits.length} of ${values.length} dates sampled in ${where} are not written ${format} (${listed(misfits)}), and all are written ${guess.format}: the bridge would write a second format beside BIS's (or misread day and month), and answer the stored dates as plain text`,
    fix: `dateFormat: ${guess.format}${guess.alsoFits.length > 0 ? ` (the stored dates fit ${guess.alsoFits.join(", ")} too: pick the one BIS means)` : ""}`,
  }];
}

/** Codes in another ISO form than the transform writes would leave the column holding two forms. */
async function checkCountries(attribute: MappedAttribute, subject: string, table: string, column: ColumnInfo, stored: Sample): Promise<Finding[]> {
  const values = await stored(column.name, FLAG_SAMPLE);
  const form = guessCountryForm(values);
  const written = attribute.entry.transform!.slice("country-".length) as CountryForm;
  if (values.length === 0 || form === written) return [];
  if (form) {
    return [{
      level: "error",
      subject,
      message: `${table}.${column.name} holds ${FORM_NAMES[form]} codes (${listed(values)}) but transform ${attribute.entry.transform} writes ${FORM_NAMES[written]}: new users would not match the rows BIS holds`,
      fix: `transform: ${COUNTRY_TRANSFORMS[form]}`,
    }];
  }
  return [{
    level: "warning",
    subject,
    message: `${table}.${column.name} holds values that are not all ISO 3166-1 ${FORM_NAMES[written]} codes (${listed(values)}): the bridge writes codes`,
    fix: `correct those rows in BIS`,
  }];
}

/** The first few values, quoted, and how many more. */
function listed(values: readonly string[]): string {
  const shown = values.slice(0, EXAMPLES).map((v) => JSON.stringify(v)).join(", ");
  return values.length > EXAMPLES ? `${shown} and ${values.length - EXAMPLES} more` : shown;
}
