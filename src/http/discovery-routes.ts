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

export function discoveryRoutes(mapping: CompiledMapping, context: (req: Request) => DiscoveryContext): Router {
  const router = Router();
  const schemas = publishedSchemas(mapping);
  const extensions = schemas.map((s) => s.id).filter((id) => id !== URN.user);

  router.get("/ServiceProviderConfig", (req, res) => sendScim(res, 200, serviceProviderConfig(context(req))));

  router.get("/ResourceTypes", (req, res) => {
    sendScim(res, 200, listResponse([userResourceType(context(req), extensions)], 1, 1));
  });
  router.get("/ResourceTypes/:id", (req, res) => {
    if (req.params.id !== "User") throw ScimError.notFound(`ResourceType ${req.params.id} not found`);
    sendScim(res, 200, userResourceType(context(req), extensions));
  });

  router.get("/Schemas", (req, res) => {
    const resources = schemas.map((schema) => schemaResource(context(req), schema));
    sendScim(res, 200, listResponse(resources, resources.length, 1));
  });
  router.get("/Schemas/:id", (req, res) => {
    const schema = schemas.find((s) => s.id.toLowerCase() === req.params.id.toLowerCase());
    if (!schema) throw ScimError.notFound(`Schema ${req.params.id} not found`);
    sendScim(res, 200, schemaResource(context(req), schema));
  });
  return router;
}
