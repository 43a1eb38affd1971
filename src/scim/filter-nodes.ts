/**
 * Frozen factories for the filter AST (filter-ast.ts). Optional fields are left out rather than
 * set to undefined, so parsed trees deep-equal hand-written ones.
 */
import type {
  AttributePath,
  CompareFilter,
  CompareOperator,
  Filter,
  FilterValue,
  LogicalFilter,
  NotFilter,
  PatchPath,
  PresentFilter,
  ValuePathFilter,
} from "./filter-ast.js";

export function attributePath(attribute: string, subAttribute?: string, schema?: string): AttributePath {
  return Object.freeze({
    ...(schema !== undefined && { schema }),
    attribute,
    ...(subAttribute !== undefined && { subAttribute }),
  });
}

export function compare(path: AttributePath, op: CompareOperator, value: FilterValue): CompareFilter {
  return Object.freeze({ kind: "compare", path, op, value });
}

export function present(path: AttributePath): PresentFilter {
  return Object.freeze({ kind: "present", path });
}

export function and(left: Filter, right: Filter): LogicalFilter {
  return Object.freeze({ kind: "and", left, right });
}

export function or(left: Filter, right: Filter): LogicalFilter {
  return Object.freeze({ kind: "or", left, right });
}

export function not(filter: Filter): NotFilter {
  return Object.freeze({ kind: "not", filter });
}

export function valuePath(path: AttributePath, filter: Filter): ValuePathFilter {
  return Object.freeze({ kind: "valuePath", path, filter });
}

export function patchPath(path: AttributePath, filter?: Filter, valueSubAttribute?: string): PatchPath {
  return Object.freeze({
    path,
    ...(filter !== undefined && { filter }),
    ...(valueSubAttribute !== undefined && { valueSubAttribute }),
  });
}

/** The conjuncts of a left- or right-nested `and` chain, in order. */
export function conjuncts(filter: Filter): Filter[] {
  return filter.kind === "and" ? [...conjuncts(filter.left), ...conjuncts(filter.right)] : [filter];
}
