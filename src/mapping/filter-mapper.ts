/**
 * Rewrites a SCIM filter onto BIS fields. Every attribute must be declared filterable in the
 * mapping, and the filter as a whole must be served by an index (each `or` branch anchored by an
 * eq/sw/range condition on an indexed attribute); anything else is 400 invalidFilter, never a scan.
 */
import type { AttributePath, Filter } from "../scim/filter-ast.js";
import { ScimError } from "../scim/scim-error.js";
import { URN } from "../scim/schema-urns.js";
import type { Condition, Field } from "../store/user-query.js";
import { letterCase, type CompiledMapping, type MappedAttribute } from "./compiled-mapping.js";
import { encodeValue, ValueRuleError } from "./value-codec.js";

interface Mapped {
  readonly condition: Condition;
  /** True when an index can narrow the rows this condition selects. */
  readonly anchored: boolean;
}

/** The multi-valued attribute a value path's inner filter is relative to. */
interface ElementScope {
  readonly path: AttributePath;
  readonly elementType?: string;
}

const SEEKABLE = new Set(["eq", "sw", "gt", "ge", "lt", "le"]);

export function mapFilter(mapping: CompiledMapping, filter: Filter): Condition {
  const mapped = new FilterMapper(mapping).map(filter, undefined);
  if (!mapped.anchored) {
    throw ScimError.badRequest(
      "invalidFilter",
      `the filter cannot be served by an index; include an eq, sw or range condition on one of: ${indexedNames(mapping)}` +
        " in every branch of an or",
    );
  }
  return mapped.condition;
}

function indexedNames(mapping: CompiledMapping): string {
  return ["id", ...mapping.attributes.filter((a) => a.entry.filter === "indexed").map((a) => a.name)].join(", ");
}

class FilterMapper {
  constructor(private readonly mapping: CompiledMapping) {}

  map(filter: Filter, scope: ElementScope | undefined): Mapped {
    switch (filter.kind) {
      case "and":
      case "or": {
        const left = this.map(filter.left, scope);
        const right = this.map(filter.right, scope);
        return {
          condition: { kind: filter.kind, conditions: [left.condition, right.condition] },
          anchored: filter.kind === "and" ? left.anchored || right.anchored : left.anchored && right.anchored,
        };
      }
      case "not":
        return { condition: { kind: "not", condition: this.map(filter.filter, scope).condition }, anchored: false };
      case "valuePath":
        return this.mapValuePath(filter.path, filter.filter);
      case "present":
        return this.each(filter.path, scope, (attribute, field) => ({
          condition: { kind: "present", field },
          anchored: false,
        }));
      case "compare":
        return this.each(filter.path, scope, (attribute, field) => ({
          condition: {
            kind: "compare",
            field,
            op: filter.op,
            value: this.encode(attribute, filter.op, filter.value),
            ...letterCase(attribute),
          },
          anchored: SEEKABLE.has(filter.op) && (field.kind === "key" || attribute.entry.filter === "indexed"),
        }));
    }
  }

  /** `emails[type eq "work" and value eq "x"]`: the type term picks the mapped element. */
  private mapValuePath(path: AttributePath, inner: Filter): Mapped {
    const terms = conjuncts(inner);
    const typeTerms = terms.filter((t) => t.kind === "compare" && t.op === "eq" && t.path.attribute.toLowerCase() === "type");
    const rest = terms.filter((t) => !typeTerms.includes(t));
    const types = typeTerms.map((t) => String((t as { value: unknown }).value));
    if (new Set(types.map((t) => t.toLowerCase())).size > 1) return { condition: { kind: "none" }, anchored: true };
    const scope: ElementScope = { path, elementType: types[0] };
    if (rest.length === 0) {
      return this.map({ kind: "present", path: { attribute: "value" } }, scope);
    }
    const restFilter = rest.reduce((left, right) => ({ kind: "and", left, right }) as Filter);
    return this.map(restFilter, scope);
  }

  /** Maps one attribute path; an untyped multi-valued path matches any mapped element (an or). */
  private each(path: AttributePath, scope: ElementScope | undefined, build: (a: MappedAttribute, f: Field) => Mapped): Mapped {
    const candidates = this.resolve(path, scope);
    if (candidates.length === 0) return { condition: { kind: "none" }, anchored: true };
    const mapped = candidates.map((attribute) => {
      if (!attribute.entry.filter && attribute.field.kind !== "key") {
        throw ScimError.badRequest(
          "invalidFilter",
          `${attribute.name} is mapped to BIS but not filterable: the mapping does not mark it filter: indexed (BIS has no index for it, so a filter would scan every user) nor filter: refine (filterable: ${this.filterableNames()})`,
        );
      }
      return build(attribute, attribute.field);
    });
    if (mapped.length === 1) return mapped[0];
    return {
      condition: { kind: "or", conditions: mapped.map((m) => m.condition) },
      anchored: mapped.every((m) => m.anchored),
    };
  }

  private resolve(path: AttributePath, scope: ElementScope | undefined): MappedAttribute[] {
    const full = scope
      ? { schema: scope.path.schema, attribute: scope.path.attribute, sub: path.attribute, elementType: scope.elementType }
      : { schema: path.schema, attribute: path.attribute, sub: path.subAttribute, elementType: undefined };
    const schema = (full.schema ?? URN.user).toLowerCase();
    const name = printPath(path, scope);
    if (!scope && schema === URN.user.toLowerCase() && full.attribute.toLowerCase() === "id" && !full.sub) {
      return [this.keyAttribute()];
    }
    const sameAttribute = (a: MappedAttribute, inSchema: (urn: string) => boolean) => {
      const t = a.target;
      if (!inSchema(t.schema.toLowerCase()) || t.attribute.toLowerCase() !== full.attribute.toLowerCase()) return false;
      // A multi-valued attribute without a sub-attribute means its value (RFC 7644 §3.4.2.2).
      const sub = (full.sub ?? (t.elementType !== undefined || a.entry.valueType === "userReference" ? "value" : undefined))?.toLowerCase();
      const mappedSub = (t.subAttribute ?? (a.entry.valueType === "userReference" ? "value" : undefined))?.toLowerCase();
      return sub === mappedSub;
    };
    let candidates = this.mapping.attributes.filter((a) => sameAttribute(a, (urn) => urn === schema));
    // Entra writes `manager eq "7"` without the enterprise URN: accept an unambiguous extension attribute.
    if (candidates.length === 0 && !full.schema) {
      candidates = this.mapping.attributes.filter((a) => sameAttribute(a, () => true));
      if (new Set(candidates.map((a) => a.target.schema)).size > 1) candidates = [];
    }
    if (candidates.length === 0) {
      const meta = schema === URN.user.toLowerCase() && full.attribute.toLowerCase() === "meta" && this.answeredMeta(full.sub);
      const why = meta
        ? `${name} is answered from BIS's ${meta} column but not filterable: the mapping cannot mark meta attributes filter: indexed (BIS has no index for it, so a filter would scan every user)`
        : `${name} is not mapped to BIS, so it cannot be filtered`;
      throw ScimError.badRequest("invalidFilter", `${why} (filterable: ${this.filterableNames()})`);
    }
    const matches = candidates.filter((a) => full.elementType === undefined || a.target.elementType?.toLowerCase() === full.elementType.toLowerCase());
    // A mapped attribute, but not of this element type (emails[type eq "home"]): BIS holds none.
    if (matches.length === 0) return [];
    return matches;
  }

  private keyAttribute(): MappedAttribute {
    return {
      name: "id",
      entry: { scim: "id", valueType: "string", required: false, write: false, filter: "indexed" },
      target: { schema: URN.user, attribute: "id" },
      definition: { name: "id", type: "string", multiValued: false, description: "id", required: false, caseExact: true, mutability: "readOnly", returned: "always", uniqueness: "server" },
      field: { kind: "key" },
    };
  }

  private encode(attribute: MappedAttribute, op: string, value: unknown) {
    // Substring operators compare the text as given; a transform (country codes) applies to whole values only.
    if (op === "co" || op === "sw" || op === "ew") {
      if (typeof value !== "string") throw ScimError.badRequest("invalidFilter", `${attribute.name} ${op} needs a string value`);
      return value;
    }
    // Legacy unquoted values (`id eq 7 and manager eq 8`) parse as numbers; ids are strings here.
    const text = typeof value === "number" && attribute.entry.valueType !== "boolean" ? String(value) : value;
    try {
      return encodeValue(attribute.entry, text);
    } catch (error) {
      if (error instanceof ValueRuleError) throw ScimError.badRequest("invalidFilter", `${attribute.name}: the value ${error.message}`);
      throw error;
    }
  }

  /** The column meta.created or meta.lastModified is answered from, if the mapping names one. */
  private answeredMeta(sub: string | undefined): string | undefined {
    const model = this.mapping.model;
    if (sub?.toLowerCase() === "created") return model.createdColumn;
    if (sub?.toLowerCase() === "lastmodified") return model.modifiedColumn;
    return undefined;
  }

  private filterableNames(): string {
    return ["id", ...this.mapping.attributes.filter((a) => a.entry.filter).map((a) => a.name)].join(", ");
  }
}

function conjuncts(filter: Filter): Filter[] {
  return filter.kind === "and" ? [...conjuncts(filter.left), ...conjuncts(filter.right)] : [filter];
}

function printPath(path: AttributePath, scope: ElementScope | undefined): string {
  const own = `${path.schema ? `${path.schema}:` : ""}${path.attribute}${path.subAttribute ? `.${path.subAttribute}` : ""}`;
  return scope ? `${scope.path.attribute}${scope.elementType ? `[type eq "${scope.elementType}"]` : ""}.${own}` : own;
}
