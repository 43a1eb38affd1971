/**
 * A starter mapping for a user table, guessed from its column names, types, indexes and foreign
 * keys, and from the values it holds (a flag's codes, a text date's format, a country code's
 * form): a consultant's first draft, to be reviewed, then proven with `check`. Unrecognised
 * columns are listed as comments rather than guessed wrong.
 */
import type { ColumnInfo, TableInfo } from "../store/sql/introspection/database-schema.js";
import type { ForeignKey } from "../store/store-model.js";
import { hasIndexOn, INTEGER_TYPES, TEXT_TYPES } from "./mapping-check.js";
import { guessCountryForm, guessDateFormat, guessFlagValues } from "./value-guesses.js";

/** What introspect read beside the table: the other tables, the table's foreign keys, samples of its values. */
export interface StarterContext {
  readonly tables?: readonly TableInfo[];
  readonly foreignKeys?: readonly ForeignKey[];
  /** Distinct values of the columns `sampledColumns` names (absent: the table was not read). */
  readonly samples?: ReadonlyMap<string, readonly string[]>;
}

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const BIS = "urn:ietf:params:scim:schemas:extension:BIS:2.0:User";

interface Guess {
  readonly names: RegExp;
  readonly scim: string;
  readonly valueType?: "boolean" | "date" | "userReference";
  readonly transform?: "country-alpha2";
  /** The transform for the column's own width and type, when it differs (a CHAR(3) of CAN/USA). */
  readonly transformFor?: (column: ColumnInfo) => string | undefined;
  /** The filter setting when an index leads with the column. */
  readonly filter?: "indexed" | "refine";
}

const WORK_PHONE = 'phoneNumbers[type eq "work"].value';
const MOBILE_PHONE = 'phoneNumbers[type eq "mobile"].value';
const REGION = 'addresses[type eq "work"].region';

// Column names are compared lower-case with _ and spaces removed.
const ATTRIBUTE_GUESSES: readonly Guess[] = [
  { names: /^(isactive|active|enabled|isenabled)$/, scim: "active", valueType: "boolean", filter: "refine" },
  { names: /^(azureobjectid|externalid|objectid|entraid|aadobjectid|externalref)$/, scim: "externalId", filter: "indexed" },
  { names: /^(firstname|givenname|forename|first)$/, scim: "name.givenName" },
  { names: /^(middlename|middle)$/, scim: "name.middleName" },
  { names: /^(lastname|surname|familyname|last)$/, scim: "name.familyName" },
  { names: /^(jobtitle|title|position)$/, scim: "title" },
  { names: /^(street|streetaddress|address|address1)$/, scim: 'addresses[type eq "work"].streetAddress' },
  { names: /^(city|town|locality)$/, scim: 'addresses[type eq "work"].locality' },
  { names: /^(province|state|region)$/, scim: REGION },
  { names: /^(postalcode|postcode|zip|zipcode)$/, scim: 'addresses[type eq "work"].postalCode' },
  { names: /^(countrycode|country)$/, scim: 'addresses[type eq "work"].country', transform: "country-alpha2", transformFor: countryTransform },
  { names: /^(workphone|phone|phonework|businessphone|officephone|telephone|telephonenumber|phonenumber|tel)$/, scim: WORK_PHONE },
  { names: /^(mobilephone|mobile|phonemobile|mobileno|mobilenumber|cellphone|cell|cellnumber)$/, scim: MOBILE_PHONE },
  { names: /^(employeeno|employeenumber|empno|staffnumber|payrollnumber)$/, scim: `${ENTERPRISE}:employeeNumber`, filter: "indexed" },
  { names: /^(supervisorid|managerid|supervisor|manager)$/, scim: `${ENTERPRISE}:manager`, valueType: "userReference", filter: "refine" },
  { names: /^(startdate|hiredate|datehired)$/, scim: `${BIS}:startdate`, valueType: "date" },
  { names: /^(terminationdate|enddate|leavedate|terminatedon)$/, scim: `${BIS}:terminationdate`, valueType: "date" },
];

const EMAIL = /^(email|emailaddress|mail|login|username)$/;
const CREATED = /^(created|createdon|createdat|creationdate|datecreated)$/;
const MODIFIED = /^(modified|modifiedon|modifiedat|updated|updatedon|updatedat|lastmodified|changedon)$/;
const DELETED = /^(isdeleted|deleted|removed|isremoved)$/;

/** Country codes in the column's own form: numbers, three letters (CAN) or two (CA). */
function countryTransform(column: ColumnInfo): string | undefined {
  if (INTEGER_TYPES.test(column.type)) return "country-numeric";
  if (column.maxLength === 3) return "country-alpha3";
  return undefined;
}

/**
 * A foreign key to a table of names (sites, provinces, departments) is a lookup: Entra sends the
 * name, BIS stores its key. The SCIM attribute is guessed from the column's or the table's name.
 */
interface LookupGuess {
  readonly names: RegExp;
  readonly scim: string;
  readonly missing: "refuse" | "create";
  /** Which column of the lookup table holds what Entra sends: a code (AB) or a name (Calgary Yard). */
  readonly sends: "code" | "name";
}

const LOOKUP_GUESSES: readonly LookupGuess[] = [
  { names: /^(province|state|region)/, scim: REGION, missing: "refuse", sends: "code" },
  { names: /^(site|location|worksite|plant|facility|branch|office)/, scim: `${BIS}:location`, missing: "refuse", sends: "name" },
  { names: /^(department|dept|division)/, scim: `${ENTERPRISE}:department`, missing: "create", sends: "name" },
  { names: /^(costcent)/, scim: `${ENTERPRISE}:costCenter`, missing: "refuse", sends: "name" },
  { names: /^(company|organi[sz]ation)/, scim: `${ENTERPRISE}:organization`, missing: "refuse", sends: "name" },
];

const NAME_COLUMN = /(name|title|description|label)$/;
const CODE_COLUMN = /(code|abbr|abbreviation|short|shortname)$/;
/** Table prefixes legacy schemas use: tblSite, luProvince, t_dept. */
const TABLE_PREFIX = /^(tbl|lu|lkp|lookup|t|ref)(?=[a-z]{3})/;

interface Lookup {
  readonly name: string;
  readonly column: ColumnInfo;
  readonly table: TableInfo;
  readonly key: string;
  readonly nameColumn: ColumnInfo;
  readonly guess?: LookupGuess;
}

function findLookups(table: TableInfo, context: StarterContext): Lookup[] {
  const lookups: Lookup[] = [];
  for (const key of context.foreignKeys ?? []) {
    if (key.table.toLowerCase() === table.name.toLowerCase()) continue;
    const column = table.columns.find((c) => c.name.toLowerCase() === key.column.toLowerCase());
    const target = context.tables?.find((t) => t.name.toLowerCase() === key.table.toLowerCase());
    if (!column || !target) continue;
    const own = simple(column.name).replace(/(id|no|key|code)$/, "");
    const guess = LOOKUP_GUESSES.find((g) => g.names.test(own) || g.names.test(simple(target.name).replace(TABLE_PREFIX, "")));
    const texts = target.columns.filter((c) => TEXT_TYPES.test(c.type) && c.name.toLowerCase() !== key.referencedColumn.toLowerCase());
    const [first, second] = guess?.sends === "code" ? [CODE_COLUMN, NAME_COLUMN] : [NAME_COLUMN, CODE_COLUMN];
    const nameColumn = texts.find((c) => first.test(simple(c.name))) ?? texts.find((c) => second.test(simple(c.name))) ?? texts[0];
    if (!nameColumn) continue;
    const name = own.length > 0 ? own : simple(target.name).replace(TABLE_PREFIX, "");
    lookups.push({ name: lookups.some((l) => l.name === name) ? `${name}${lookups.length + 1}` : name, column, table: target, key: key.referencedColumn, nameColumn, guess });
  }
  return lookups;
}

/** The columns introspect reads values of: text flags, text dates, country codes. */
export function sampledColumns(table: TableInfo): string[] {
  const sampled = (c: ColumnInfo) => {
    const name = simple(c.name);
    if (DELETED.test(name)) return true;
    const guess = ATTRIBUTE_GUESSES.find((g) => g.names.test(name));
    if (!guess) return false;
    if (guess.transform) return true;
    return (guess.valueType === "boolean" || guess.valueType === "date") && TEXT_TYPES.test(c.type);
  };
  return table.columns.filter(sampled).map((c) => c.name);
}

/** A flag kept as text: the codes it holds (Y/N when it holds none yet), with a comment saying what they rest on. */
function flagValues(column: ColumnInfo, context: StarterContext): { values: string; comment: string } {
  const stored = context.samples?.get(column.name);
  const guess = guessFlagValues(stored ?? []);
  const values = `{ "true": ${guess?.true ?? "Y"}, "false": ${guess?.false ?? "N"} }`;
  if (stored === undefined || stored.length === 0) return { values, comment: "   # a text flag: Y/N guessed (no rows to read), confirm what BIS writes" };
  if (!guess) return { values, comment: `   # a text flag holding ${stored.slice(0, 5).join(", ")}: name which code means true and which false` };
  return { values, comment: `   # a text flag: ${guess.true}/${guess.false}, as the rows hold` };
}

/** A date kept as text: the format its rows are in, when they tell. */
function dateFormat(column: ColumnInfo, context: StarterContext): { format?: string; comment: string } {
  const stored = context.samples?.get(column.name) ?? [];
  const guess = guessDateFormat(stored);
  if (!guess) return { comment: stored.length === 0 ? "   # dates kept as text: no rows to read the format from; set dateFormat to BIS's" : "   # dates kept as text in no format recognised: set dateFormat" };
  return { format: guess.format, comment: guess.alsoFits.length > 0 ? `   # the rows fit ${guess.alsoFits.join(", ")} too: confirm` : "   # the format the rows hold" };
}

const simple = (name: string) => name.toLowerCase().replace(/[_\s]/g, "");
/** YAML written as is (a flow mapping), not quoted as a string. */
interface Raw {
  readonly raw: string;
}
const flow = (entries: Record<string, string | number | boolean | Raw | undefined>) =>
  `{ ${Object.entries(entries)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === "object" ? v.raw : typeof v === "string" && /[\s:[\]{}#,"']/.test(v) ? `'${v.replaceAll("'", "''")}'` : v}`)
    .join(", ")} }`;

export function starterMapping(table: TableInfo, context: StarterContext = {}): string {
  const find = (pattern: RegExp) => table.columns.find((c) => pattern.test(simple(c.name)));
  const key = table.primaryKey.length === 1 ? table.primaryKey[0] : undefined;
  const email = find(EMAIL);
  if (!key) throw new Error(`${table.name} has no single-column primary key; the bridge needs one for the SCIM id`);
  if (!email) throw new Error(`no e-mail column recognised in ${table.name} (columns: ${table.columns.map((c) => c.name).join(", ")})`);
  // An index on the column, or on lower(column) (PostgreSQL's case-insensitive e-mail index).
  const indexed = (column: ColumnInfo) => hasIndexOn(table, column.name, false) || hasIndexOn(table, column.name, true);
  const [created, modified, deleted] = [find(CREATED), find(MODIFIED), find(DELETED)];
  const lookups = findLookups(table, context);
  const used = new Set([key, email.name, created?.name, modified?.name, deleted?.name, ...lookups.map((l) => l.column.name)]);
  const mappedScim = new Set(lookups.flatMap((l) => (l.guess ? [l.guess.scim] : [])));
  const selfReference = (context.foreignKeys ?? []).find((k) => k.table.toLowerCase() === table.name.toLowerCase() && k.column !== key);

  const attributes: string[] = [
    `  - ${flow({ scim: "userName", column: email.name, required: true, maxLength: email.maxLength, filter: indexed(email) ? "indexed" : undefined })}`,
    `  - ${flow({ scim: 'emails[type eq "work"].value', column: email.name, write: false, filter: indexed(email) ? "indexed" : undefined })}`,
  ];
  for (const lookup of lookups) {
    const entry = flow({ scim: lookup.guess?.scim ?? "<the SCIM attribute>", lookup: lookup.name, required: !lookup.column.nullable && !lookup.column.generated ? true : undefined, maxLength: lookup.nameColumn.maxLength });
    attributes.push(lookup.guess ? `  - ${entry}` : `# - ${entry}   # name the SCIM attribute Entra sends for ${lookup.column.name}`);
  }
  for (const guess of ATTRIBUTE_GUESSES) {
    if (mappedScim.has(guess.scim)) continue;
    const byName = table.columns.find((c) => !used.has(c.name) && guess.names.test(simple(c.name)));
    const column = byName ?? (guess.valueType === "userReference" && selfReference ? table.columns.find((c) => c.name === selfReference.column && !used.has(c.name)) : undefined);
    if (!column) continue;
    used.add(column.name);
    const flag = guess.valueType === "boolean" && TEXT_TYPES.test(column.type) ? flagValues(column, context) : undefined;
    const date = guess.valueType === "date" && TEXT_TYPES.test(column.type) ? dateFormat(column, context) : undefined;
    const countryForm = guess.transform ? guessCountryForm(context.samples?.get(column.name) ?? []) : undefined;
    attributes.push(
      `  - ${flow({
        scim: guess.scim,
        column: column.name,
        valueType: guess.valueType,
        dateFormat: date?.format,
        transform: countryForm ? `country-${countryForm}` : (guess.transformFor?.(column) ?? guess.transform),
        values: flag ? { raw: flag.values } : undefined,
        required: !column.nullable && !column.generated ? true : undefined,
        maxLength: guess.valueType || guess.transform ? undefined : column.maxLength,
        filter: guess.filter === "indexed" ? (indexed(column) ? "indexed" : undefined) : guess.filter,
      })}${flag?.comment ?? date?.comment ?? ""}`,
    );
  }
  const unmapped = table.columns.filter((c) => !used.has(c.name));
  return [
    `# yaml-language-server: $schema=./mapping.schema.json`,
    `# Starter mapping for ${table.name}, guessed by \`bis-scim-bridge introspect\`. Review every line,`,
    `# add lookups and child tables (docs/mapping.md), then run \`bis-scim-bridge check\`.`,
    `version: 1`,
    ``,
    `user:`,
    `  table: ${table.name}`,
    `  key: ${key}`,
    `  email: ${email.name}`,
    ...(created ? [`  created: ${created.name}`] : []),
    ...(modified ? [`  modified: ${modified.name}`] : []),
    ...(deleted ? [deletedLine(deleted, context)] : []),
    ``,
    `matching:`,
    `  duplicates: conflict`,
    ``,
    `delete: ${deleted ? "soft" : "hard"}`,
    ``,
    ...(lookups.length > 0
      ? [
          `lookups:`,
          ...lookups.map((l) => `  ${l.name}: ${flow({ column: l.column.name, table: l.table.name, key: l.key, name: l.nameColumn.name, missing: l.guess?.missing ?? "refuse" })}`),
          ``,
        ]
      : []),
    `attributes:`,
    ...attributes,
    ...(unmapped.length > 0
      ? [``, `# Columns not mapped yet (a lookup, a child table, or nothing for Entra):`, ...unmapped.map((c) => `#   ${c.name} ${c.type}${c.maxLength ? `(${c.maxLength})` : ""}${c.nullable ? "" : " NOT NULL"}`)]
      : []),
    ``,
  ].join("\n");
}

function deletedLine(deleted: ColumnInfo, context: StarterContext): string {
  if (!TEXT_TYPES.test(deleted.type)) return `  deleted: ${deleted.name}`;
  const { values, comment } = flagValues(deleted, context);
  return `  deleted: { column: ${deleted.name}, values: ${values} }${comment}`;
}
