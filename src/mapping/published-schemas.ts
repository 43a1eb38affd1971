/**
 * The User schemas as this mapping supports them, for /Schemas: only mapped attributes (so
 * Entra offers only what BIS can store), with BIS's required ones marked required.
 */
import { commonAttributes, userSchemas, type AttributeDefinition, type SchemaDefinition } from "../scim/schema-definitions.js";
import { URN } from "../scim/schema-urns.js";
import type { CompiledMapping, MappedAttribute } from "./compiled-mapping.js";

export function publishedSchemas(mapping: CompiledMapping): SchemaDefinition[] {
  return userSchemas
    .map((schema) => ({
      ...schema,
      attributes: [
        ...(schema.id === URN.user ? commonAttributes.filter((a) => a.name === "externalId" && isMapped(mapping, schema.id, a)) : []),
        ...schema.attributes.flatMap((a) => publish(mapping, schema.id, a)),
      ],
    }))
    .filter((schema) => schema.attributes.length > 0);
}

function mappedFor(mapping: CompiledMapping, schema: string, definition: AttributeDefinition): MappedAttribute[] {
  return mapping.attributes.filter((m) => m.target.schema === schema && m.target.attribute === definition.name);
}

function isMapped(mapping: CompiledMapping, schema: string, definition: AttributeDefinition): boolean {
  return mappedFor(mapping, schema, definition).length > 0;
}

function publish(mapping: CompiledMapping, schema: string, definition: AttributeDefinition): AttributeDefinition[] {
  const mapped = mappedFor(mapping, schema, definition);
  if (mapped.length === 0) return [];
  // A complex or multi-valued attribute is required when any part of it is (name.familyName, addresses[work].region).
  const required = mapped.some((m) => m.entry.required);
  // Written by no mapping entry (e.g. emails: the login is written from userName): Entra's values are accepted and dropped.
  const mutability = mapped.every((m) => m.entry.write === false) ? { mutability: "readOnly" as const } : {};
  if (!definition.subAttributes || mapped.some((m) => m.entry.valueType === "userReference")) {
    return [{ ...definition, required, ...mutability }];
  }
  const subNames = new Set(mapped.map((m) => m.target.subAttribute));
  if (definition.multiValued) subNames.add("type").add("primary");
  const types = [...new Set(mapped.flatMap((m) => (m.target.elementType ? [m.target.elementType] : [])))];
  const subAttributes = definition.subAttributes
    .filter((sub) => subNames.has(sub.name))
    .map((sub) => ({
      ...sub,
      required: mapped.some((m) => m.target.subAttribute === sub.name && m.entry.required),
      ...mutability,
      // BIS keeps no primary flag: the bridge answers it (the one e-mail is primary) and never stores it.
      ...(sub.name === "primary" && { mutability: "readOnly" as const }),
      ...(sub.name === "type" && types.length > 0 && { canonicalValues: types }),
    }));
  return [{ ...definition, required, ...mutability, subAttributes }];
}
