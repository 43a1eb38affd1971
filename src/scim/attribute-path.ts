/**
 * Resolves a parsed PATCH path against the User attribute definitions: which schema, attribute
 * and sub-attribute it names, in their defined case, and whether a client may write there.
 */
import type { AttributePath, Filter, PatchPath } from "./filter-ast.js";
import { printPatchPath } from "./filter-printer.js";
import {
  findAttribute,
  findSubAttribute,
  userSchemas,
  type AttributeDefinition,
  type SchemaDefinition,
} from "./schema-definitions.js";
import { ScimError } from "./scim-error.js";

export interface PatchTarget {
  /** Canonical schema URN; the core User URN for core and common attributes. */
  readonly schema: string;
  readonly attribute: AttributeDefinition;
  /** `name.givenName`, or the `.value` of `emails[type eq "work"].value`. */
  readonly subAttribute?: AttributeDefinition;
  /** Selects elements of a complex attribute: `emails[type eq "work"]`, `manager[value eq "x"]`. */
  readonly filter?: Filter;
  /** The path as canonical text, for error details. */
  readonly text: string;
}

/** A schema URN given on its own (`urn:...:enterprise:2.0:User`), compared case-insensitively. */
export function findSchema(urn: string): SchemaDefinition | undefined {
  return userSchemas.find((schema) => schema.id.toLowerCase() === urn.trim().toLowerCase());
}

/** `where` names the offending spot in the request, e.g. `Operations[2].path`. */
export function resolvePatchTarget(patchPath: PatchPath, where: string): PatchTarget {
  const text = printPatchPath(patchPath);
  const fail = (scimType: "invalidPath" | "mutability", rule: string) =>
    ScimError.badRequest(scimType, `${where} '${text}': ${rule}`);
  const { schema, attribute } = resolveAttribute(patchPath.path, fail);
  if (attribute.mutability === "readOnly") throw fail("mutability", `${attribute.name} is read-only`);

  const subName = patchPath.valueSubAttribute ?? patchPath.path.subAttribute;
  let subAttribute: AttributeDefinition | undefined;
  if (subName !== undefined) {
    if (attribute.type !== "complex") throw fail("invalidPath", `${attribute.name} is not complex, so it has no sub-attribute ${subName}`);
    subAttribute = findSubAttribute(attribute, subName);
    if (!subAttribute) throw fail("invalidPath", `${attribute.name} has no sub-attribute ${subName} (it has ${subNames(attribute)})`);
    if (subAttribute.mutability === "readOnly") throw fail("mutability", `${attribute.name}.${subAttribute.name} is read-only`);
  }
  if (patchPath.filter) {
    if (attribute.type !== "complex") throw fail("invalidPath", `${attribute.name} is not complex, so a value filter cannot select its elements`);
    checkFilterPaths(patchPath.filter, attribute, fail);
  }
  return { schema, attribute, ...(subAttribute && { subAttribute }), ...(patchPath.filter && { filter: patchPath.filter }), text };
}

type Fail = (scimType: "invalidPath", rule: string) => ScimError;

/** An unqualified name is looked up in the core schema first, then in each extension. */
function resolveAttribute(path: AttributePath, fail: Fail): { schema: string; attribute: AttributeDefinition } {
  if (path.schema !== undefined) {
    const schema = findSchema(path.schema);
    if (!schema) throw fail("invalidPath", `${path.schema} is not a schema of the User resource (known: ${userSchemas.map((s) => s.id).join(", ")})`);
    const attribute = findAttribute(schema.id, path.attribute);
    if (!attribute) throw fail("invalidPath", `${path.attribute} is not an attribute of ${schema.id}`);
    return { schema: schema.id, attribute };
  }
  for (const schema of userSchemas) {
    const attribute = findAttribute(schema.id, path.attribute);
    if (attribute) return { schema: schema.id, attribute };
  }
  throw fail("invalidPath", `${path.attribute} is not an attribute of the User resource or its extensions`);
}

function checkFilterPaths(filter: Filter, parent: AttributeDefinition, fail: Fail): void {
  switch (filter.kind) {
    case "and":
    case "or":
      checkFilterPaths(filter.left, parent, fail);
      checkFilterPaths(filter.right, parent, fail);
      return;
    case "not":
      checkFilterPaths(filter.filter, parent, fail);
      return;
    case "valuePath":
      throw fail("invalidPath", "value filters cannot be nested");
    default:
      if (filter.path.schema !== undefined || filter.path.subAttribute !== undefined || !findSubAttribute(parent, filter.path.attribute)) {
        throw fail("invalidPath", `the value filter names ${filter.path.attribute}, which is not a sub-attribute of ${parent.name} (it has ${subNames(parent)})`);
      }
  }
}

function subNames(attribute: AttributeDefinition): string {
  return (attribute.subAttributes ?? []).map((a) => a.name).join(", ");
}
