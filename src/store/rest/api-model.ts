/**
 * The REST store's model of a BIS API, written by consultants as the mapping's `api:` section:
 * every path, query parameter and field name the store uses comes from here, so an API that
 * differs from the reference one (names, paging, deactivation call) needs YAML only.
 */
import { z } from "zod";

/** A field of the API's JSON record, dotted for nested objects: `address.province`. */
export const fieldPath = z
  .string()
  .regex(/^[A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z_$][A-Za-z0-9_$-]*)*$/, "must be a field path like address.province");

const apiPath = z.string().startsWith("/", "must start with / (it is appended to the store's baseUrl)");

const callSchema = z.strictObject({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]),
  path: apiPath.meta({ description: "Appended to the store's baseUrl; {id} is the user's key." }),
  body: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: 'JSON body; a string "{field.path}" is replaced by that field of the user (e.g. { terminationDate: "{terminationDate}" }).' }),
});

export type ApiCall = z.infer<typeof callSchema>;

const pagingSchema = z.discriminatedUnion("style", [
  z.strictObject({
    style: z.literal("page"),
    page: z.string().default("page"),
    size: z.string().default("pageSize"),
    first: z.union([z.literal(0), z.literal(1)]).default(1).meta({ description: "Number of the first page." }),
    maxSize: z.number().int().positive().default(200),
  }),
  z.strictObject({
    style: z.literal("offset"),
    offset: z.string().default("offset"),
    limit: z.string().default("limit"),
    maxSize: z.number().int().positive().default(200),
  }),
]);

export const apiModelSchema = z.strictObject({
  users: apiPath.meta({ description: "The collection: GET searches and pages it, POST creates (e.g. /api/v1/employees)." }),
  user: apiPath.refine((p) => p.includes("{id}"), "must contain {id}").meta({ description: "One user: GET, PUT/PATCH and DELETE (e.g. /api/v1/employees/{id})." }),
  key: fieldPath.meta({ description: "Field holding the key BIS generates; it becomes the SCIM id." }),
  keyType: z.enum(["integer", "string"]).default("integer").meta({ description: "integer: ids (and references such as the manager) are JSON numbers." }),
  email: fieldPath.meta({ description: "The login e-mail field that userName maps to." }),
  created: fieldPath.optional(),
  modified: fieldPath.optional(),
  list: z
    .strictObject({
      items: fieldPath.optional().meta({ description: "Field of a list answer holding the records; absent: the answer is the array." }),
      total: fieldPath.optional().meta({ description: "Field of a list answer holding the total count." }),
      paging: pagingSchema.default({ style: "page", page: "page", size: "pageSize", first: 1, maxSize: 200 }),
    })
    .default({ items: "items", total: "total", paging: { style: "page", page: "page", size: "pageSize", first: 1, maxSize: 200 } }),
  search: z
    .record(fieldPath, z.string().min(1))
    .default({})
    .meta({ description: "Field -> the query parameter that finds users by it (exact match), e.g. { email: email, employeeNumber: employeeNumber }. The e-mail's must match regardless of case, as BIS matches logins. Only these fields may be filter: indexed." }),
  create: z
    .strictObject({
      duplicate: z
        .strictObject({
          status: z.number().int().default(409).meta({ description: "The status BIS answers a taken e-mail with. It may be the validation status (errors.status) too: the bridge then looks the e-mail up, and an answer no user explains is a validation error." }),
          existingId: fieldPath.optional().meta({ description: "Field of the answer naming the user who has the e-mail; absent: the bridge looks the e-mail up." }),
        })
        .default({ status: 409 }),
    })
    .default({ duplicate: { status: 409 } })
    .meta({ description: "POST to `users`. Before a POST is retried, the bridge looks the e-mail up, so a lost answer never makes a second user." }),
  update: z
    .strictObject({ method: z.enum(["PATCH", "PUT"]).default("PATCH") })
    .default({ method: "PATCH" })
    .meta({ description: "PATCH: a JSON merge patch (RFC 7396) of the changed fields; PUT: the whole record." }),
  activation: z
    .strictObject({
      field: fieldPath.meta({ description: "The field the active attribute is mapped to; the API changes it only through these calls." }),
      inactive: z.union([z.string(), z.boolean()]).meta({ description: "The field's value for a disabled user (e.g. INACTIVE)." }),
      deactivate: callSchema,
      reactivate: callSchema,
    })
    .optional(),
  delete: z
    .strictObject({
      refused: z.number().int().default(409).meta({ description: "The status BIS answers when it keeps the user (e.g. training records)." }),
      reason: fieldPath.optional().meta({ description: "Field of that answer saying why (e.g. detail); absent: its error or message field." }),
    })
    .default({ refused: 409 }),
  errors: z
    .strictObject({
      status: z.number().int().default(400),
      list: fieldPath.default("details").meta({ description: "Field of the error answer listing the problems." }),
      field: fieldPath.default("field").meta({ description: "Field of a problem naming the record's field: a path (address.province) or a JSON pointer (#/address/province or /address/province, as RFC 9457 problems write it)." }),
      message: fieldPath.default("message"),
    })
    .default({ status: 400, list: "details", field: "field", message: "message" })
    .meta({ description: "BIS's validation errors: each problem's field is translated back to the SCIM attribute in the 400 Entra gets." }),
});

export type ApiModel = z.infer<typeof apiModelSchema>;
