/** SCIM URNs used across the bridge (RFC 7643 §8.7, RFC 7644 §3). */
export const URN = {
  user: "urn:ietf:params:scim:schemas:core:2.0:User",
  enterpriseUser: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
  bisUser: "urn:ietf:params:scim:schemas:extension:BIS:2.0:User",
  listResponse: "urn:ietf:params:scim:api:messages:2.0:ListResponse",
  patchOp: "urn:ietf:params:scim:api:messages:2.0:PatchOp",
  error: "urn:ietf:params:scim:api:messages:2.0:Error",
  schema: "urn:ietf:params:scim:schemas:core:2.0:Schema",
  resourceType: "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
  serviceProviderConfig: "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
} as const;

/** Extension schemas a User may carry, in the order they are rendered. */
export const USER_EXTENSIONS = [URN.enterpriseUser, URN.bisUser] as const;
