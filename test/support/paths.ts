import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const REFERENCE_MAPPING = path.join(ROOT, "mappings/bis-reference.yaml");
export const REST_REFERENCE_MAPPING = path.join(ROOT, "mappings/bis-rest-reference.yaml");
