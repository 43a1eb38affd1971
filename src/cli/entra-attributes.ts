/**
 * The attribute-mapping table to configure in Entra for a mapping: target attribute, type,
 * required, filterable, and where BIS keeps it. Compare it with the BIS tutorial's table.
 */
import type { CompiledMapping, MappedAttribute } from "../mapping/compiled-mapping.js";

export interface EntraAttributeRow {
  readonly attribute: string;
  readonly type: string;
  readonly required: boolean;
  /** indexed: Entra may match on it; refine: only beside an indexed condition; none: not filterable. */
  readonly filterable: "indexed" | "refine" | "none";
  readonly bis: string;
}

const ENTRA_TYPES: Record<string, string> = { string: "String", boolean: "Boolean", dateTime: "DateTime", reference: "Reference", complex: "Reference" };

function bisTarget(mapping: CompiledMapping, attribute: MappedAttribute): string {
  const field = attribute.field;
  switch (field.kind) {
    case "key":
      return `${mapping.model.table}.${mapping.model.keyColumn}`;
    case "column": {
      // One value split across columns names them all, with where it is split.
      const columns = attribute.entry.columns
        ? `${attribute.entry.columns.map((c) => `${mapping.model.table}.${c}`).join(" + ")} (split at ${JSON.stringify(attribute.entry.separator)}${attribute.entry.splitFrom === "end" ? " from the end" : ""})`
        : `${mapping.model.table}.${field.column}`;
      return `${columns}${attribute.entry.write ? "" : " (read only)"}`;
    }
    case "lookup": {
      const lookup = mapping.model.lookups.find((l) => l.name === field.lookup)!;
      return `${lookup.table}.${lookup.nameColumn} via ${mapping.model.table}.${lookup.column} (missing: ${lookup.onMissing})`;
    }
    case "child": {
      const child = mapping.model.children.find((c) => c.name === field.child)!;
      return `${child.table}.${child.valueColumn} where ${child.typeColumn} = ${field.type}`;
    }
  }
}

export function entraAttributeRows(mapping: CompiledMapping): EntraAttributeRow[] {
  return mapping.attributes.map((attribute) => ({
    attribute: attribute.name,
    type: attribute.entry.valueType === "date" ? "DateTime" : attribute.entry.valueType === "userReference" ? "Reference" : (ENTRA_TYPES[attribute.definition.type] ?? "String"),
    required: attribute.entry.required,
    filterable: attribute.entry.filter ?? "none",
    bis: bisTarget(mapping, attribute),
  }));
}

export function formatTable(rows: readonly EntraAttributeRow[]): string {
  const header = ["Attribute", "Type", "Required", "Filterable", "BIS"];
  const cells = rows.map((r) => [r.attribute, r.type, r.required ? "yes" : "", r.filterable === "none" ? "" : r.filterable, r.bis]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + "\n";
}
