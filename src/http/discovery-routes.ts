/** /ServiceProviderConfig, /ResourceTypes and /Schemas, derived from the mapping. */
import { Router, type Request } from "express";
import type { CompiledMapping } from "../mapping/compiled-mapping.js";
import { publishedSchemas } from "../mapping/published-schemas.js";
import {
  listResponse,
  schemaResource,
  serviceProviderConfig,
  userResourceType,
  type DiscoveryContext,
} from "../scim/discovery-documents.js";
import { ScimError } from "../scim/scim-error.js";
import { URN } from "../scim/schema-urns.js";
import { sendScim } from "./scim-response.js";

/** `mapping` is asked per request, so a reloaded mapping is published at once. */
export function discoveryRoutes(mapping: () => CompiledMapping, context: (req: Request) => DiscoveryContext): Router {
  const router = Router();
  const published = () => {
    const schemas = publishedSchemas(mapping());
    // An extension holding an attribute the mapping requires must be sent: it is required (RFC 7643 section 6).
    const extensions = schemas.filter((s) => s.id !== URN.user).map((s) => ({ schema: s.id, required: s.attributes.some((a) => a.required) }));
    return { schemas, extensions };
  };

  router.get("/ServiceProviderConfig", (req, res) => sendScim(res, 200, serviceProviderConfig(context(req))));

  router.get("/ResourceTypes", (req, res) => {
    sendScim(res, 200, listResponse([userResourceType(context(req), published().extensions)], 1, 1));
  });
  router.get("/ResourceTypes/:id", (req, res) => {
    if (req.params.id !== "User") throw ScimError.notFound(`ResourceType ${req.params.id} not found`);
    sendScim(res, 200, userResourceType(context(req), published().extensions));
  });

  router.get("/Schemas", (req, res) => {
    const resources = published().schemas.map((schema) => schemaResource(context(req), schema));
    sendScim(res, 200, listResponse(resources, resources.length, 1));
  });
  router.get("/Schemas/:id", (req, res) => {
    const schema = published().schemas.find((s) => s.id.toLowerCase() === req.params.id.toLowerCase());
    if (!schema) throw ScimError.notFound(`Schema ${req.params.id} not found`);
    sendScim(res, 200, schemaResource(context(req), schema));
  });
  return router;
}
