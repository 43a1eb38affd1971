/**
 * Prints a filter AST back to canonical RFC 7644 text: lower-case operators, quoted strings,
 * and parentheses only where precedence or grouping needs them, so print -> parse is stable.
 */
import type { AttributePath, Filter, FilterValue, PatchPath } from "./filter-ast.js";

const PRECEDENCE: Record<Filter["kind"], number> = { or: 1, and: 2, not: 3, compare: 3, present: 3, valuePath: 3 };

export function printFilter(filter: Filter): string {
  switch (filter.kind) {
    case "compare":
      return `${printAttributePath(filter.path)} ${filter.op} ${printValue(filter.value)}`;
    case "present":
      return `${printAttributePath(filter.path)} pr`;
    case "not":
      return `not (${printFilter(filter.filter)})`;
    case "valuePath":
      return `${printAttributePath(filter.path)}[${printFilter(filter.filter)}]`;
    case "and":
    case "or": {
      const own = PRECEDENCE[filter.kind];
      // Parsing is left-associative, so a right operand of equal precedence keeps its parentheses.
      const left = wrap(filter.left, PRECEDENCE[filter.left.kind] < own);
      const right = wrap(filter.right, PRECEDENCE[filter.right.kind] <= own);
      return `${left} ${filter.kind} ${right}`;
    }
  }
}

export function printPatchPath(path: PatchPath): string {
  const base = printAttributePath(path.path);
  if (!path.filter) return base;
  return `${base}[${printFilter(path.filter)}]${path.valueSubAttribute ? `.${path.valueSubAttribute}` : ""}`;
}

export function printAttributePath(path: AttributePath): string {
  return `${path.schema ? `${path.schema}:` : ""}${path.attribute}${path.subAttribute ? `.${path.subAttribute}` : ""}`;
}

function printValue(value: FilterValue): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  return JSON.stringify(value);
}

function wrap(filter: Filter, parenthesise: boolean): string {
  const text = printFilter(filter);
  return parenthesise ? `(${text})` : text;
}
