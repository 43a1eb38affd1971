/**
 * Rules an `api:` mapping must follow beyond its schema: the REST store knows records and their
 * fields, not tables, so table-only features are refused with the key to change.
 */
import { describeKey, type YamlSource } from "../config/yaml-source.js";
import { URN } from "../scim/schema-urns.js";
import type { MappedAttribute } from "./compiled-mapping.js";
import type { MappingFile } from "./mapping-schema.js";
import type { ApiModel } from "../store/rest/api-model.js";

export function checkApiMapping(source: YamlSource, mapping: MappingFile, api: ApiModel, attributes: readonly MappedAttribute[]): string[] {
  const problems: string[] = [];
  const at = (path: readonly PropertyKey[], message: string) => problems.push(`${describeKey(source, path)}: ${message}`);
  for (const key of ["lookups", "children"] as const) {
    if (Object.keys(mapping[key]).length > 0) at([key], `${key} are for BIS tables; with api: map the record's field directly (field: ...)`);
  }
  if (mapping.dependents.length > 0) at(["dependents"], "dependents are for BIS tables; with api: BIS refuses the delete itself (api.delete.refused)");
  if (mapping.write.create) at(["write", "create"], "write.create is for BIS tables; with api: the create is a POST to api.users");
  if (mapping.constants.length > 0) at(["constants"], "constants name columns; with api: give the attribute a default instead");
  if (mapping.delete === "soft") at(["delete"], "an API has no soft-delete flag the bridge can set: use delete: hard (the DELETE call) or delete: deactivate");
  mapping.attributes.forEach((entry, i) => {
    if (entry.column) at(["attributes", i, "column"], `with api: name the record's field: field: ${entry.column}`);
  });
  if (!api.search[api.email]) at(["api", "search"], `the e-mail field ${api.email} needs a search parameter: users are matched by e-mail before every create`);
  attributes.forEach((attribute, i) => {
    if (attribute.entry.filter === "indexed" && attribute.field.kind === "column" && !api.search[attribute.field.column]) {
      at(["attributes", i, "filter"], `filter: indexed needs a search parameter for ${attribute.field.column} under api.search (or use filter: refine)`);
    }
  });
  if (api.activation) {
    const active = attributes.find((a) => a.target.schema === URN.user && a.target.attribute === "active");
    if (!active || active.field.kind !== "column" || active.field.column !== api.activation.field) {
      at(["api", "activation", "field"], `the active attribute must be mapped to ${api.activation.field}`);
    }
  }
  return problems;
}
