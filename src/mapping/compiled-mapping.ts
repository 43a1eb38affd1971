/**
 * Loads a YAML mapping and compiles it into what the stages use: the store's table model and,
 * per SCIM attribute, where its value lives in BIS. Errors name file, line and key.
 */
import { parsePatchPath } from "../scim/filter-parser.js";
import type { AttributeDefinition } from "../scim/schema-definitions.js";
import { findAttribute, findSubAttribute } from "../scim/schema-definitions.js";
import { URN } from "../scim/schema-urns.js";
import { ScimError } from "../scim/scim-error.js";
import { namedParameters, statementParameters, type ChildModel, type LookupModel, type UserTableModel } from "../store/store-model.js";
import type { Field } from "../store/user-query.js";
import type { DuplicatePolicy, MatchColumn } from "../store/user-store.js";
import { ConfigFileError, describeKey, readYaml, validateYaml, type YamlSource } from "../config/yaml-source.js";
import { mappingSchema, type AttributeEntry, type MappingFile } from "./mapping-schema.js";
import type { ApiModel } from "../store/rest/api-model.js";
import { checkApiMapping } from "./rest-mapping-check.js";

/** Where a mapped value sits in a SCIM User: `addresses[type eq "work"].country` -> addresses/work/country. */
export interface ScimTarget {
  /** Schema URN; the core User schema when the attribute is not an extension's. */
  readonly schema: string;
  readonly attribute: string;
  readonly subAttribute?: string;
  /** The `type` of the multi-valued element, for `emails[type eq "work"]`. */
  readonly elementType?: string;
}

export interface MappedAttribute {
  /** The attribute path as the mapping writes it; used in error details. */
  readonly name: string;
  readonly entry: AttributeEntry;
  readonly target: ScimTarget;
  /** The leaf attribute's SCIM definition (caseExact, type). */
  readonly definition: AttributeDefinition;
  readonly field: Field;
}

export interface CompiledMapping {
  readonly file: string;
  readonly model: UserTableModel;
  readonly attributes: readonly MappedAttribute[];
  readonly duplicates: DuplicatePolicy;
  /** Columns a create is matched on after the e-mail, in precedence order. */
  readonly matchOn: readonly MatchColumn[];
  /** soft and hard are the store's deletes; deactivate is an update (active off, termination date today). */
  readonly deleteMode: MappingFile["delete"];
  /** Columns written with a fixed value on every write. */
  readonly constants: MappingFile["constants"];
  /** A BIS behind its REST API: the calls to make (model then names the record's fields). */
  readonly api?: ApiModel;
}

export function loadMapping(file: string): CompiledMapping {
  const source = readYaml(file);
  const mapping = validateYaml(source, mappingSchema, source.document.toJS());
  const problems: string[] = [];
  const attributes = mapping.attributes.flatMap((entry, index) => {
    try {
      return [compileAttribute(mapping, entry)];
    } catch (error) {
      if (!(error instanceof MappingRuleError || error instanceof ScimError)) throw error;
      problems.push(`${describeKey(source, error instanceof MappingRuleError ? ["attributes", index, error.key] : ["attributes", index, "scim"])}: ${error.message}`);
      return [];
    }
  });
  problems.push(...checkWhole(source, mapping, attributes));
  if (mapping.api) problems.push(...checkApiMapping(source, mapping, mapping.api, attributes));
  const matchingWritten = source.document.hasIn(["matching", "attributes"]);
  mapping.matching.attributes.forEach((name, i) => {
    const attribute = attributes.find((a) => a.name === name);
    if (attribute?.field.kind === "column" && attribute.entry.filter !== "indexed") {
      // Reported where the fix goes: the attribute's own line (matching.attributes may be the default).
      const at = describeKey(source, ["attributes", mapping.attributes.indexOf(attribute.entry), "filter"]);
      problems.push(`${at}: "${name}" is matched on by creates (matching.attributes${matchingWritten ? "" : ", by default"}): give it filter: indexed, over an index on its column`);
    } else if (!attribute || attribute.field.kind !== "column") {
      problems.push(`${describeKey(source, ["matching", "attributes", i])}: "${name}" must be a mapped attribute on a user-table column with filter: indexed`);
    }
  });
  if (mapping.delete === "deactivate" && !attributes.some((a) => a.target.attribute === "active" && a.field.kind === "column")) {
    problems.push(`${describeKey(source, ["delete"])}: delete: deactivate needs the active attribute mapped to a column`);
  }
  if (mapping.delete === "deactivate" && mapping.write.delete) {
    problems.push(`${describeKey(source, ["write", "delete"])}: delete: deactivate is an update (write.update runs for it); write.delete applies to delete: soft or hard`);
  }
  problems.push(...checkStatements(source, mapping, attributes));
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return {
    file,
    model: toModel(mapping, attributes),
    attributes,
    duplicates: mapping.matching.duplicates,
    matchOn: matchColumns(mapping, attributes),
    deleteMode: mapping.delete,
    constants: mapping.constants,
    api: mapping.api,
  };
}

/** The mapped top-level attribute (no sub-attribute) of a schema, e.g. the core `active` or the BIS `terminationdate`. */
/**
 * How the attribute's text compares: without case (SCIM caseExact=false), or byte-wise where the
 * collation ignores case (caseExact=true). Neither applies to dates, numbers or flags.
 */
export function letterCase(attribute: MappedAttribute): { ignoreCase: boolean; caseExact: boolean } {
  const text = attribute.entry.valueType === "string";
  return { ignoreCase: text && !attribute.definition.caseExact, caseExact: text && attribute.definition.caseExact };
}

export function mappedAttribute(mapping: CompiledMapping, schema: string, name: string): MappedAttribute | undefined {
  return mapping.attributes.find((a) => a.target.schema === schema && a.target.attribute === name && !a.target.subAttribute);
}

/** The user section, or for an API mapping its equivalent: the collection and the record's key and e-mail fields. */
function userSection(mapping: MappingFile): NonNullable<MappingFile["user"]> {
  if (mapping.user) return mapping.user;
  const api = mapping.api!;
  return { table: api.users, key: api.key, email: api.email, created: api.created, modified: api.modified };
}

class MappingRuleError extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
  }
}

function compileAttribute(mapping: MappingFile, entry: AttributeEntry): MappedAttribute {
  const parsed = parsePatchPath(entry.scim);
  const schema = parsed.path.schema ?? URN.user;
  const parent = findAttribute(schema, parsed.path.attribute);
  if (!parent) throw new MappingRuleError("scim", `unknown SCIM attribute "${entry.scim}"`);
  let elementType: string | undefined;
  if (parsed.filter) {
    const f = parsed.filter;
    if (f.kind !== "compare" || f.op !== "eq" || f.path.attribute.toLowerCase() !== "type" || typeof f.value !== "string") {
      throw new MappingRuleError("scim", `only [type eq "..."] filters are supported in a mapped path, got "${entry.scim}"`);
    }
    elementType = f.value;
  }
  const subName = parsed.valueSubAttribute ?? parsed.path.subAttribute;
  const definition = subName ? findSubAttribute(parent, subName) : parent;
  if (!definition) throw new MappingRuleError("scim", `"${parent.name}" has no sub-attribute "${subName}"`);
  if (parent.multiValued && !elementType) {
    throw new MappingRuleError("scim", `multi-valued "${parent.name}" needs an element type, e.g. ${parent.name}[type eq "work"].value`);
  }
  if (definition.type === "complex" && entry.valueType !== "userReference") {
    throw new MappingRuleError("valueType", `"${entry.scim}" is complex; only a userReference (the manager) maps a complex attribute`);
  }
  if (definition.mutability === "readOnly") throw new MappingRuleError("scim", `"${entry.scim}" is read-only in SCIM`);
  if (definition.type === "boolean" && entry.valueType !== "boolean") {
    throw new MappingRuleError("valueType", `"${entry.scim}" is a boolean in SCIM: set valueType: boolean (with values: for a flag kept as text)`);
  }
  return {
    name: entry.scim,
    entry,
    definition,
    target: { schema, attribute: parent.name, subAttribute: definition === parent ? undefined : definition.name, elementType },
    field: toField(mapping, entry),
  };
}

function toField(mapping: MappingFile, entry: AttributeEntry): Field {
  if (entry.lookup) {
    if (!mapping.lookups[entry.lookup]) throw new MappingRuleError("lookup", `no lookup named "${entry.lookup}" under lookups`);
    return { kind: "lookup", lookup: entry.lookup };
  }
  if (entry.child) {
    if (!mapping.children[entry.child]) throw new MappingRuleError("child", `no child table named "${entry.child}" under children`);
    return { kind: "child", child: entry.child, type: entry.type! };
  }
  // A value split across columns is found (and named in errors) by its first column.
  if (entry.columns) return { kind: "column", column: entry.columns[0]! };
  // An API record's field is the REST store's "column".
  const column = entry.column ?? entry.field!;
  return column === userSection(mapping).key ? { kind: "key" } : { kind: "column", column };
}

function checkWhole(source: YamlSource, mapping: MappingFile, attributes: readonly MappedAttribute[]): string[] {
  const problems: string[] = [];
  const userName = attributes.find((a) => a.target.schema === URN.user && a.target.attribute === "userName");
  const user = userSection(mapping);
  if (!userName || (userName.entry.column ?? userName.entry.field) !== user.email) {
    problems.push(`${describeKey(source, mapping.user ? ["user", "email"] : ["api", "email"])}: userName must be mapped to the e-mail ${mapping.user ? "column" : "field"} ${user.email}`);
  }
  const seen = new Map<string, number>();
  attributes.forEach((a, i) => {
    const key = JSON.stringify(a.target).toLowerCase();
    if (seen.has(key)) problems.push(`${describeKey(source, ["attributes", i, "scim"])}: "${a.name}" is mapped twice`);
    seen.set(key, i);
  });
  const writers = new Map<string, string>(mapping.constants.map((c, i) => [c.column, `constants[${i}]`]));
  for (const a of attributes) {
    if (!a.entry.write || a.field.kind !== "column") continue;
    for (const column of a.entry.columns ?? [a.field.column]) {
      const other = writers.get(column);
      if (other) problems.push(`key attributes: "${a.name}" and "${other}" both write column ${column}; mark one write: false`);
      writers.set(column, a.name);
    }
  }
  return problems;
}

function toModel(mapping: MappingFile, attributes: readonly MappedAttribute[]): UserTableModel {
  const columnOf = (name: string) => {
    const field = attributes.find((a) => a.target.attribute === name && a.field.kind === "column")?.field;
    return field?.kind === "column" ? field.column : undefined;
  };
  const columns = [...new Set([...attributes.flatMap((a) => (a.field.kind === "column" ? (a.entry.columns ?? [a.field.column]) : [])), ...mapping.constants.map((c) => c.column)])];
  const lookups: LookupModel[] = Object.entries(mapping.lookups).map(([name, l]) => ({
    name,
    column: l.column,
    table: l.table,
    keyColumn: l.key,
    nameColumn: l.name,
    onMissing: l.missing,
  }));
  const children: ChildModel[] = Object.entries(mapping.children).map(([name, c]) => ({
    name,
    table: c.table,
    parentColumn: c.parent,
    typeColumn: c.type,
    valueColumn: c.value,
  }));
  const user = userSection(mapping);
  return {
    table: user.table,
    keyColumn: user.key,
    emailColumn: user.email,
    activeColumn: columnOf("active"),
    ...deletedFlag(user.deleted),
    createdColumn: user.created,
    modifiedColumn: user.modified,
    columns,
    lookups,
    children,
    dependents: mapping.dependents,
    createStatement: mapping.write.create?.sql,
    updateStatement: mapping.write.update?.sql,
    deleteStatement: mapping.write.delete?.sql,
    selfReferences: attributes.flatMap((a) => (a.entry.valueType === "userReference" && a.field.kind === "column" ? [a.field.column] : [])),
    // Entra's object id names one person: two live BIS users never share it.
    uniqueColumns: attributes.flatMap((a) =>
      a.target.schema === URN.user && a.target.attribute === "externalId" && a.field.kind === "column" && a.entry.write !== false ? [{ column: a.field.column, ...letterCase(a) }] : [],
    ),
  };
}

/** The soft-delete flag: a column name (a BIT/boolean), or a column with its two stored values. */
function deletedFlag(deleted: NonNullable<MappingFile["user"]>["deleted"]): Pick<UserTableModel, "deletedColumn" | "deletedValues"> {
  if (deleted === undefined) return {};
  if (typeof deleted === "string") return { deletedColumn: deleted };
  return { deletedColumn: deleted.column, deletedValues: { deleted: deleted.values.true, live: deleted.values.false } };
}

/** Every :name in a write statement must be a parameter the store passes to it. */
function checkStatements(source: YamlSource, mapping: MappingFile, attributes: readonly MappedAttribute[]): string[] {
  const operations = (["create", "update", "delete"] as const).filter((operation) => mapping.write[operation]);
  if (operations.length === 0) return [];
  const model = toModel(mapping, attributes);
  return operations.flatMap((operation) => {
    const known = statementParameters(model, operation);
    const unknown = namedParameters(mapping.write[operation]!.sql).filter((name) => !known.includes(name));
    if (unknown.length === 0) return [];
    return [`${describeKey(source, ["write", operation, "sql"])}: ${unknown.map((name) => `:${name}`).join(", ")} ${unknown.length === 1 ? "is" : "are"} not among its parameters (${known.map((name) => `:${name}`).join(", ")})`];
  });
}

function matchColumns(mapping: MappingFile, attributes: readonly MappedAttribute[]): MatchColumn[] {
  return mapping.matching.attributes.flatMap((name) => {
    const attribute = attributes.find((a) => a.name === name)!;
    const column = (attribute.field as { column: string }).column;
    if (column === userSection(mapping).email) return [];
    return [{ column, ...letterCase(attribute) }];
  });
}
