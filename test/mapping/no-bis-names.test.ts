/**
 * The bridge's code holds no BIS table or column name: they all come from the mapping, so a
 * differently named install needs only a different YAML file.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadMapping } from "../../src/mapping/compiled-mapping.js";
import { REFERENCE_MAPPING, ROOT } from "../support/paths.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(path.join(dir, entry.name)) : entry.name.endsWith(".ts") ? [path.join(dir, entry.name)] : [],
  );
}

describe("src/ names no BIS table or column", () => {
  const model = loadMapping(REFERENCE_MAPPING).model;
  // "Users" and "Email" double as SCIM words, "Number" as JavaScript's; every other name is BIS's own.
  const names = [
    ...model.columns,
    model.keyColumn,
    model.deletedColumn!,
    model.createdColumn!,
    model.modifiedColumn!,
    ...model.lookups.flatMap((l) => [l.table, l.column, l.keyColumn, l.nameColumn]),
    ...model.children.flatMap((c) => [c.table, c.typeColumn, c.valueColumn]),
    ...model.dependents.map((d) => d.table),
  ].filter((name) => !["Users", "Email", "Number"].includes(name));

  it.each(sources(path.join(ROOT, "src")).map((file) => [path.relative(ROOT, file)]))("%s", (file) => {
    // Code only: a doc comment may cite the reference schema as an example.
    const text = readFileSync(path.join(ROOT, file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    const found = [...new Set(names)].filter((name) => new RegExp(`\\b${name}\\b`).test(text));
    expect(found).toEqual([]);
  });
});
