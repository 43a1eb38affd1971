import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REFERENCE_MAPPING } from "./paths.js";

/** A temporary copy of the reference mapping (or another), edited as a consultant would edit the YAML. */
export function mappingVariant(edit: (yaml: string) => string, base: string = REFERENCE_MAPPING): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "mapping-")), "mapping.yaml");
  writeFileSync(file, edit(readFileSync(base, "utf8")));
  return file;
}
