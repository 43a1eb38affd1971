/** /ServiceProviderConfig, /ResourceTypes and /Schemas bodies (RFC 7643 §5-7, RFC 7644 §4). */
import type { AttributeDefinition, SchemaDefinition } from "./schema-definitions.js";
import { URN } from "./schema-urns.js";

export interface DiscoveryContext {
  readonly baseUrl: string;
  readonly maxResults: number;
  readonly documentationUri?: string;
}

export function serviceProviderConfig(context: DiscoveryContext) {
  return {
    schemas: [URN.serviceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: context.maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "Bearer token",
        description: "The Secret Token configured in Entra's provisioning settings, sent as Authorization: Bearer <token>.",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${context.baseUrl}/ServiceProviderConfig` },
  };
}

export function userResourceType(context: DiscoveryContext, extensions: readonly { readonly schema: string; readonly required: boolean }[]) {
  return {
    schemas: [URN.resourceType],
    id: "User",
    name: "User",
    endpoint: "/Users",
    description: "User Account",
    schema: URN.user,
    schemaExtensions: extensions.map(({ schema, required }) => ({ schema, required })),
    meta: { resourceType: "ResourceType", location: `${context.baseUrl}/ResourceTypes/User` },
  };
}

/** Renders a definition for /Schemas: camelCase, no nulls (Entra refuses null values there). */
function renderAttribute(definition: AttributeDefinition): Record<string, unknown> {
  const { subAttributes, canonicalValues, referenceTypes, ...rest } = definition;
  return {
    ...rest,
    ...(canonicalValues && canonicalValues.length > 0 && { canonicalValues }),
    ...(referenceTypes && { referenceTypes }),
    ...(subAttributes && { subAttributes: subAttributes.map(renderAttribute) }),
  };
}

export function schemaResource(context: DiscoveryContext, schema: SchemaDefinition) {
  return {
    schemas: [URN.schema],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(renderAttribute),
    meta: { resourceType: "Schema", location: `${context.baseUrl}/Schemas/${schema.id}` },
  };
}

export function listResponse<T>(resources: readonly T[], totalResults: number, startIndex: number) {
  return {
    schemas: [URN.listResponse],
    totalResults,
    Resources: resources,
    startIndex,
    itemsPerPage: resources.length,
  };
}
