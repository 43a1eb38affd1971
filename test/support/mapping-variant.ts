import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REFERENCE_MAPPING } from "./paths.js";

/** A temporary copy of the reference mapping, edited as a consultant would edit the YAML. */
export function mappingVariant(edit: (yaml: string) => string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "mapping-")), "mapping.yaml");
  writeFileSync(file, edit(readFileSync(REFERENCE_MAPPING, "utf8")));
  return file;
}
