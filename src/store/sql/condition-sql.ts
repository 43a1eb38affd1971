/**
 * Translates a Condition (already on BIS fields) into a knex WHERE on the user table, aliased
 * `u`. Every comparison is null-safe ("column is set and compares true"), so NOT keeps SCIM's
 * two-valued meaning: `not (title eq "x")` matches users without a title.
 */
import type { Knex } from "knex";
import type { ColumnValue } from "../bis-user.js";
import type { UserTableModel } from "../store-model.js";
import { UnsupportedQueryError } from "../store-errors.js";
import type { Condition, ConditionOperator, Field } from "../user-query.js";
import { LIKE_ESCAPE, type CaseFolding, type EngineDialect } from "./engines/engine-dialect.js";
import { caseSpellings, emailIdentity, legacySpellings } from "../../identity/email-identity.js";

export const USER_ALIAS = "u";

export interface ConditionContext {
  readonly model: UserTableModel;
  readonly dialect: EngineDialect;
}

/** A SQL fragment with `??` (identifier) and `?` (value) placeholders and their bindings. */
export interface Fragment {
  readonly sql: string;
  readonly bindings: readonly Knex.RawBinding[];
}

const COMPARISON: Partial<Record<ConditionOperator, string>> = { eq: "=", gt: ">", ge: ">=", lt: "<", le: "<=" };
const INT_MAX = 2_147_483_647;

export function applyCondition(builder: Knex.QueryBuilder, condition: Condition, ctx: ConditionContext): void {
  switch (condition.kind) {
    case "and":
      if (condition.conditions.length === 0) return void builder.whereRaw("1 = 1");
      return void builder.where((group) => {
        for (const sub of condition.conditions) group.where((inner) => applyCondition(inner, sub, ctx));
      });
    case "or":
      if (condition.conditions.length === 0) return void builder.whereRaw("1 = 0");
      return void builder.where((group) => {
        for (const sub of condition.conditions) group.orWhere((inner) => applyCondition(inner, sub, ctx));
      });
    case "not":
      return void builder.whereNot((inner) => applyCondition(inner, condition.condition, ctx));
    case "none":
      return void builder.whereRaw("1 = 0");
    case "present":
      return applyPresent(builder, condition.field, ctx);
    case "compare":
      if (condition.op === "ne") {
        return void builder.whereNot((inner) => applyCondition(inner, { ...condition, op: "eq" }, ctx));
      }
      return applyCompare(builder, condition.field, condition.op, condition.value, condition, ctx);
  }
}

function applyPresent(builder: Knex.QueryBuilder, field: Field, ctx: ConditionContext): void {
  switch (field.kind) {
    case "key":
      return void builder.whereRaw("1 = 1");
    case "column":
      return void builder.whereNotNull(`${USER_ALIAS}.${knownColumn(field.column, ctx.model)}`);
    case "lookup":
      return void builder.whereNotNull(`${USER_ALIAS}.${lookupFor(field.lookup, ctx.model).column}`);
    case "child":
      return void builder.whereExists(childRows(builder, field.child, field.type, ctx));
  }
}

function applyCompare(
  builder: Knex.QueryBuilder,
  field: Field,
  op: ConditionOperator,
  value: ColumnValue,
  letterCase: LetterCase,
  ctx: ConditionContext,
): void {
  if (value === null) {
    if (op !== "eq") throw new UnsupportedQueryError(`cannot compare ${op} with null`);
    if (field.kind === "key") return void builder.whereRaw("1 = 0");
    return void builder.whereNot((inner) => applyPresent(inner, field, ctx));
  }
  switch (field.kind) {
    case "key":
      return applyKeyCompare(builder, op, value, ctx);
    case "column": {
      // A self-reference holds another user's integer key: compare it as the key is compared.
      if (ctx.model.selfReferences.includes(field.column)) return applyKeyCompare(builder, op, value, ctx, field.column);
      const column = `${USER_ALIAS}.${knownColumn(field.column, ctx.model)}`;
      if (field.column === ctx.model.emailColumn && op === "eq" && typeof value === "string") {
        // One term of a larger filter: its case spellings only (the legacy white space forms are for Entra's probe).
        const mailbox = sameIdentity(column, value, ctx.dialect, "case");
        return void builder.whereNotNull(column).whereRaw(mailbox.sql, mailbox.bindings);
      }
      const predicate = comparison(column, op, bindable(field.column, value, ctx), letterCase, ctx);
      return void builder.whereNotNull(column).whereRaw(predicate.sql, predicate.bindings);
    }
    case "lookup": {
      const lookup = lookupFor(field.lookup, ctx.model);
      const predicate = comparison(`lk.${lookup.nameColumn}`, op, value, letterCase, ctx);
      return void builder.whereExists((sub) =>
        sub
          .select(sub.client.raw("1"))
          .from({ lk: lookup.table })
          .whereRaw("?? = ??", [`lk.${lookup.keyColumn}`, `${USER_ALIAS}.${lookup.column}`])
          .whereRaw(predicate.sql, predicate.bindings),
      );
    }
    case "child": {
      const predicate = comparison(`ch.${childFor(field.child, ctx.model).valueColumn}`, op, value, letterCase, ctx);
      return void builder.whereExists(
        childRows(builder, field.child, field.type, ctx).whereRaw(predicate.sql, predicate.bindings),
      );
    }
  }
}

/**
 * The column holds this e-mail (or lookup name) by the identity rule, as far as its index can
 * tell: each spelling of the identity that the engine's case folding may not fold itself
 * (src/identity). A superset where collations fold more; the store narrows it with the identity
 * rule wherever it decides (matching, lookups).
 */
export function sameIdentity(column: string, value: string, dialect: EngineDialect, forms: "legacy" | "case" = "legacy"): Fragment {
  if (UNSTORABLE_TEXT.test(value)) throw new UnsupportedQueryError("a filter value must be well-formed Unicode text without NUL characters");
  const fold = dialect.caseFolding;
  const identity = emailIdentity(value);
  // A filter term asks for at most 8: a 4,096-character filter then stays within SQL Server's 2,100 parameters.
  const spellings = forms === "legacy" ? legacySpellings(identity) : caseSpellings(identity, 8);
  const sql = spellings.length === 1 ? `${fold.column} = ${fold.value}` : `${fold.column} IN (${spellings.map(() => fold.value).join(", ")})`;
  return { sql, bindings: [column, ...spellings] };
}

/** The rows sameIdentity's superset narrows to: those whose `column` holds `value` by the identity rule. */
export function withSameIdentity<Row extends Record<string, unknown>>(rows: readonly Row[], column: string, value: string): Row[] {
  const identity = emailIdentity(value);
  return rows.filter((row) => emailIdentity(String(row[column])) === identity);
}

/** The key is an integer: a value that is not one matches no user (and must not make SQL fail). */
function applyKeyCompare(
  builder: Knex.QueryBuilder,
  op: ConditionOperator,
  value: ColumnValue,
  ctx: ConditionContext,
  column: string = ctx.model.keyColumn,
) {
  const sqlOp = COMPARISON[op];
  if (sqlOp === undefined) throw new UnsupportedQueryError(`the id does not support ${op}`);
  const text = String(value).trim();
  const key = /^-?\d{1,10}$/.test(text) ? Number(text) : undefined;
  if (key === undefined || Math.abs(key) > INT_MAX) return void builder.whereRaw("1 = 0");
  builder.whereRaw(`?? ${sqlOp} ?`, [`${USER_ALIAS}.${column}`, key]);
}

const UNSTORABLE_TEXT = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;

/** How a comparison treats letter case (a compare condition's flags). */
type LetterCase = Pick<Extract<Condition, { kind: "compare" }>, "ignoreCase" | "caseExact">;

function comparison(
  column: string,
  op: ConditionOperator,
  value: ColumnValue,
  { ignoreCase, caseExact }: LetterCase,
  ctx: ConditionContext,
): Fragment {
  // BIS text never holds these (PostgreSQL cannot store NUL at all and fails the statement).
  if (typeof value === "string" && UNSTORABLE_TEXT.test(value)) {
    throw new UnsupportedQueryError("a filter value must be well-formed Unicode text without NUL characters");
  }
  const folded = ignoreCase && typeof value === "string";
  const plain = predicate(column, op, value, folded ? ctx.dialect.caseFolding : { column: "??", value: "?" }, ctx);
  const exact = ctx.dialect.caseExact;
  // Only caseExact text needs the byte-wise comparison: a DATE column cannot even take a collation.
  if (!caseExact || typeof value !== "string" || !exact || (!exact.like && COMPARISON[op] === undefined)) return plain;
  const strict = predicate(column, op, value, exact, ctx);
  return { sql: `(${plain.sql}) AND (${strict.sql})`, bindings: [...plain.bindings, ...strict.bindings] };
}

function predicate(column: string, op: ConditionOperator, value: ColumnValue, wrap: CaseFolding, ctx: ConditionContext): Fragment {
  const sqlOp = COMPARISON[op];
  if (sqlOp !== undefined) return { sql: `${wrap.column} ${sqlOp} ${wrap.value}`, bindings: [column, value as Knex.RawBinding] };
  if (typeof value !== "string") throw new UnsupportedQueryError(`${op} needs a string value`);
  const pattern = likePattern(op, value, ctx.dialect.likeLiterals);
  const escape = ctx.dialect.likeLiterals === "escape" ? ` ESCAPE '${LIKE_ESCAPE}'` : "";
  return { sql: `${wrap.column} LIKE ${wrap.value}${escape}`, bindings: [column, pattern] };
}

function likePattern(op: ConditionOperator, value: string, literals: EngineDialect["likeLiterals"]): string {
  const escapable = new Set(literals === "escape" ? ["%", "_", LIKE_ESCAPE] : ["%", "_", "["]);
  const quote = literals === "escape" ? (char: string) => LIKE_ESCAPE + char : (char: string) => `[${char}]`;
  const literal = [...value].map((char) => (escapable.has(char) ? quote(char) : char)).join("");
  if (op === "co") return `%${literal}%`;
  if (op === "sw") return `${literal}%`;
  if (op === "ew") return `%${literal}`;
  throw new UnsupportedQueryError(`unknown operator ${op}`);
}

/** Booleans as the driver binds them; timestamps (created/modified) as the engine stores them. */
function bindable(column: string, value: ColumnValue, ctx: ConditionContext): ColumnValue {
  if (typeof value === "boolean") return ctx.dialect.bindBoolean(value);
  const isTimestamp = column === ctx.model.createdColumn || column === ctx.model.modifiedColumn;
  if (isTimestamp && typeof value === "string") {
    const time = new Date(value);
    if (Number.isNaN(time.getTime())) throw new UnsupportedQueryError(`${value} is not a timestamp`);
    return ctx.dialect.bindTimestamp(time) as string;
  }
  return value;
}

function childRows(builder: Knex.QueryBuilder, name: string, type: string, ctx: ConditionContext): Knex.QueryBuilder {
  const child = childFor(name, ctx.model);
  return builder.client
    .queryBuilder()
    .select(builder.client.raw("1"))
    .from({ ch: child.table })
    .whereRaw("?? = ??", [`ch.${child.parentColumn}`, `${USER_ALIAS}.${ctx.model.keyColumn}`])
    .where(`ch.${child.typeColumn}`, type);
}

/** Only columns the model names may be queried: mapping mistakes must not reach SQL. */
function knownColumn(column: string, model: UserTableModel): string {
  const known =
    model.columns.includes(column) ||
    [model.emailColumn, model.activeColumn, model.createdColumn, model.modifiedColumn].includes(column);
  if (!known) throw new UnsupportedQueryError(`column ${column} is not in the mapping`);
  return column;
}

function lookupFor(name: string, model: UserTableModel) {
  const lookup = model.lookups.find((candidate) => candidate.name === name);
  if (!lookup) throw new UnsupportedQueryError(`unknown lookup ${name}`);
  return lookup;
}

function childFor(name: string, model: UserTableModel) {
  const child = model.children.find((candidate) => candidate.name === name);
  if (!child) throw new UnsupportedQueryError(`unknown child ${name}`);
  return child;
}
