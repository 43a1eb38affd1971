/**
 * A starter mapping for a user table, guessed from its column names, types and indexes: a
 * consultant's first draft, to be reviewed, then proven with `check`. Unrecognised columns are
 * listed as comments rather than guessed wrong.
 */
import type { ColumnInfo, TableInfo } from "../store/sql/introspection/database-schema.js";
import { hasIndexOn, INTEGER_TYPES, TEXT_TYPES } from "./mapping-check.js";

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
  { names: /^(province|state|region)$/, scim: 'addresses[type eq "work"].region' },
  { names: /^(postalcode|postcode|zip|zipcode)$/, scim: 'addresses[type eq "work"].postalCode' },
  { names: /^(countrycode|country)$/, scim: 'addresses[type eq "work"].country', transform: "country-alpha2", transformFor: countryTransform },
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

/** A flag kept as text: Y/N is the common legacy form; the consultant confirms it against the data. */
const YES_NO = '{ "true": Y, "false": N }';
const GUESSED_VALUES = "   # a text flag: Y/N guessed, check what the column holds";

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

export function starterMapping(table: TableInfo): string {
  const find = (pattern: RegExp) => table.columns.find((c) => pattern.test(simple(c.name)));
  const key = table.primaryKey.length === 1 ? table.primaryKey[0] : undefined;
  const email = find(EMAIL);
  if (!key) throw new Error(`${table.name} has no single-column primary key; the bridge needs one for the SCIM id`);
  if (!email) throw new Error(`no e-mail column recognised in ${table.name} (columns: ${table.columns.map((c) => c.name).join(", ")})`);
  // An index on the column, or on lower(column) (PostgreSQL's case-insensitive e-mail index).
  const indexed = (column: ColumnInfo) => hasIndexOn(table, column.name, false) || hasIndexOn(table, column.name, true);
  const [created, modified, deleted] = [find(CREATED), find(MODIFIED), find(DELETED)];
  const used = new Set([key, email.name, created?.name, modified?.name, deleted?.name]);

  const attributes: string[] = [
    `  - ${flow({ scim: "userName", column: email.name, required: true, maxLength: email.maxLength, filter: indexed(email) ? "indexed" : undefined })}`,
    `  - ${flow({ scim: 'emails[type eq "work"].value', column: email.name, write: false, filter: indexed(email) ? "indexed" : undefined })}`,
  ];
  for (const guess of ATTRIBUTE_GUESSES) {
    const column = table.columns.find((c) => !used.has(c.name) && guess.names.test(simple(c.name)));
    if (!column) continue;
    used.add(column.name);
    const textFlag = guess.valueType === "boolean" && TEXT_TYPES.test(column.type);
    attributes.push(
      `  - ${flow({
        scim: guess.scim,
        column: column.name,
        valueType: guess.valueType,
        transform: guess.transformFor?.(column) ?? guess.transform,
        values: textFlag ? { raw: YES_NO } : undefined,
        required: !column.nullable && !column.generated ? true : undefined,
        maxLength: guess.valueType || guess.transform ? undefined : column.maxLength,
        filter: guess.filter === "indexed" ? (indexed(column) ? "indexed" : undefined) : guess.filter,
      })}${textFlag ? GUESSED_VALUES : ""}`,
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
    ...(deleted ? [TEXT_TYPES.test(deleted.type) ? `  deleted: { column: ${deleted.name}, values: ${YES_NO} }${GUESSED_VALUES}` : `  deleted: ${deleted.name}`] : []),
    ``,
    `matching:`,
    `  duplicates: conflict`,
    ``,
    `delete: ${deleted ? "soft" : "hard"}`,
    ``,
    `attributes:`,
    ...attributes,
    ...(unmapped.length > 0
      ? [``, `# Columns not mapped yet (a lookup, a child table, or nothing for Entra):`, ...unmapped.map((c) => `#   ${c.name} ${c.type}${c.maxLength ? `(${c.maxLength})` : ""}${c.nullable ? "" : " NOT NULL"}`)]
      : []),
    ``,
  ].join("\n");
}
