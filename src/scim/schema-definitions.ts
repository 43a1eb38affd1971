/**
 * Attribute definitions of the User resource (RFC 7643 §4.1, §4.3) and the BIS extension, as
 * data. The PATCH engine, the filter mapping and /Schemas all read them from here.
 */
import { URN } from "./schema-urns.js";

export type AttributeType = "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "complex";

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: "readOnly" | "readWrite" | "immutable" | "writeOnly";
  readonly returned: "always" | "never" | "default" | "request";
  readonly uniqueness: "none" | "server" | "global";
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

type Options = Partial<Omit<AttributeDefinition, "name" | "type">>;

function attr(name: string, type: AttributeType, options: Options = {}): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description: options.description ?? name,
    required: false,
    caseExact: false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    ...options,
  };
}

/** A multi-valued attribute whose elements carry value, type, primary (emails, phones, ...). */
function typedValues(name: string, types: readonly string[], extra: readonly AttributeDefinition[] = []) {
  return attr(name, "complex", {
    multiValued: true,
    subAttributes: [
      attr("value", "string"),
      attr("display", "string"),
      attr("type", "string", { canonicalValues: types }),
      attr("primary", "boolean"),
      ...extra,
    ],
  });
}

export const userSchema: SchemaDefinition = {
  id: URN.user,
  name: "User",
  description: "User Account",
  attributes: [
    attr("userName", "string", { required: true, uniqueness: "server", description: "Unique identifier for the User; BIS's login e-mail." }),
    attr("name", "complex", {
      subAttributes: [
        attr("formatted", "string"),
        attr("familyName", "string"),
        attr("givenName", "string"),
        attr("middleName", "string"),
        attr("honorificPrefix", "string"),
        attr("honorificSuffix", "string"),
      ],
    }),
    attr("displayName", "string"),
    attr("nickName", "string"),
    attr("title", "string"),
    attr("userType", "string"),
    attr("preferredLanguage", "string"),
    attr("locale", "string"),
    attr("timezone", "string"),
    attr("active", "boolean"),
    typedValues("emails", ["work", "home", "other"]),
    typedValues("phoneNumbers", ["work", "home", "mobile", "fax", "pager", "other"]),
    attr("addresses", "complex", {
      multiValued: true,
      subAttributes: [
        attr("formatted", "string"),
        attr("streetAddress", "string"),
        attr("locality", "string"),
        attr("region", "string"),
        attr("postalCode", "string"),
        attr("country", "string"),
        attr("type", "string", { canonicalValues: ["work", "home", "other"] }),
        attr("primary", "boolean"),
      ],
    }),
    typedValues("roles", []),
  ],
};

export const enterpriseUserSchema: SchemaDefinition = {
  id: URN.enterpriseUser,
  name: "EnterpriseUser",
  description: "Enterprise User",
  attributes: [
    attr("employeeNumber", "string"),
    attr("costCenter", "string"),
    attr("organization", "string"),
    attr("division", "string"),
    attr("department", "string"),
    attr("manager", "complex", {
      subAttributes: [
        attr("value", "string", { caseExact: true, description: "The id of the SCIM resource representing the User's manager." }),
        attr("$ref", "reference", { referenceTypes: ["User"] }),
        attr("displayName", "string", { mutability: "readOnly" }),
      ],
    }),
  ],
};

export const bisUserSchema: SchemaDefinition = {
  id: URN.bisUser,
  name: "BISUser",
  description: "BIS safety-training user attributes",
  attributes: [
    attr("location", "string", { description: "BIS location (site) name." }),
    attr("startdate", "dateTime", { description: "Start date; BIS keeps the date only." }),
    attr("terminationdate", "dateTime", { description: "Termination date; BIS keeps the date only." }),
  ],
};

/** Attributes every resource has (RFC 7643 §3.1), not part of any schema's attribute list. */
export const commonAttributes: readonly AttributeDefinition[] = [
  attr("id", "string", { caseExact: true, mutability: "readOnly", returned: "always", uniqueness: "server" }),
  attr("externalId", "string", { caseExact: true }),
  attr("meta", "complex", { mutability: "readOnly" }),
];

export const userSchemas: readonly SchemaDefinition[] = [userSchema, enterpriseUserSchema, bisUserSchema];

/**
 * Finds an attribute definition by schema URN (core User when absent) and name, ignoring case
 * as RFC 7643 §2.1 requires for attribute names.
 */
export function findAttribute(schemaUrn: string | undefined, name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  if (!schemaUrn || schemaUrn.toLowerCase() === URN.user.toLowerCase()) {
    const common = commonAttributes.find((a) => a.name.toLowerCase() === lower);
    if (common) return common;
  }
  const schema = userSchemas.find((s) => s.id.toLowerCase() === (schemaUrn ?? URN.user).toLowerCase());
  return schema?.attributes.find((a) => a.name.toLowerCase() === lower);
}

export function findSubAttribute(parent: AttributeDefinition, name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return parent.subAttributes?.find((a) => a.name.toLowerCase() === lower);
}
