/**
 * Recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2),
 * with the forms Entra sends that the grammar does not allow: bare unquoted values and
 * `emails[type eq "work"].value eq "x"`.
 */
import type { AttributePath, CompareOperator, Filter, FilterValue, PatchPath } from "./filter-ast.js";
import { COMPARE_OPERATORS } from "./filter-ast.js";
import * as node from "./filter-nodes.js";
import { printAttributePath as printPath } from "./filter-printer.js";
import { scan, syntaxError, type Token } from "./filter-scanner.js";
import type { ScimType } from "./scim-error.js";

export const MAX_FILTER_LENGTH = 4096;
/** Parentheses, `not` and value paths each add a level; deeper input is refused, not recursed. */
export const MAX_FILTER_DEPTH = 50;

const ATTRIBUTE_NAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;
const SCHEMA_URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]*:\S+$/i;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const OPERATOR_LIST = `${COMPARE_OPERATORS.join(", ")} or pr`;

export function parseFilter(text: string): Filter {
  const parser = new Parser(text, "invalidFilter");
  const filter = parser.orExpression(false);
  parser.expectEnd("and, or,");
  return filter;
}

export function parsePatchPath(text: string): PatchPath {
  const parser = new Parser(text, "invalidPath");
  const path = parser.patchPath();
  parser.expectEnd(path.filter ? (path.valueSubAttribute ? "" : '".subAttribute"') : '"[" (a value filter)');
  return path;
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly scimType: ScimType,
  ) {
    if (text.length > MAX_FILTER_LENGTH) {
      throw syntaxError(scimType, MAX_FILTER_LENGTH, `the text is ${text.length} characters long; at most ${MAX_FILTER_LENGTH} are allowed`);
    }
    this.tokens = scan(text, scimType);
  }

  orExpression(inValuePath: boolean): Filter {
    let left = this.andExpression(inValuePath);
    while (this.keyword("or")) left = node.or(left, this.andExpression(inValuePath));
    return left;
  }

  private andExpression(inValuePath: boolean): Filter {
    let left = this.unary(inValuePath);
    while (this.keyword("and")) left = node.and(left, this.unary(inValuePath));
    return left;
  }

  private unary(inValuePath: boolean): Filter {
    const token = this.peek();
    if (this.keyword("not")) {
      if (this.peek().kind !== "(") throw this.expected('"(" after not (RFC 7644 writes not (filter))');
      return node.not(this.nested(token, () => this.group(inValuePath)));
    }
    if (token.kind === "(") return this.nested(token, () => this.group(inValuePath));
    return this.attributeExpression(inValuePath);
  }

  private group(inValuePath: boolean): Filter {
    this.next();
    const inner = this.orExpression(inValuePath);
    if (this.peek().kind !== ")") throw this.expected('")" to close the group, or and/or');
    this.next();
    return inner;
  }

  private attributeExpression(inValuePath: boolean): Filter {
    const pathToken = this.peek();
    const path = this.attributePath();
    if (this.peek().kind !== "[") return this.comparison(path, pathToken);
    if (inValuePath) throw this.expected(`an operator after ${printPath(path)}; value paths cannot be nested`);
    if (path.subAttribute) throw this.error(pathToken.position, `a value path filters a multi-valued attribute, not the sub-attribute ${printPath(path)}`);
    const inner = this.nested(this.peek(), () => this.bracket());
    const sub = this.subAttributeAfterBracket();
    if (!sub) return node.valuePath(path, inner);
    // Entra's emails[type eq "work"].value eq "x": both conditions must hold on the same element.
    return node.valuePath(path, node.and(inner, this.comparison(sub, pathToken)));
  }

  private bracket(): Filter {
    this.next();
    const inner = this.orExpression(true);
    if (this.peek().kind !== "]") throw this.expected('"]" to close the value filter, or and/or');
    this.next();
    return inner;
  }

  private comparison(path: AttributePath, pathToken: Token): Filter {
    const token = this.peek();
    const op = token.kind === "word" ? token.text.toLowerCase() : "";
    if (op === "pr") {
      this.next();
      return node.present(path);
    }
    if (!(COMPARE_OPERATORS as readonly string[]).includes(op)) {
      throw this.expected(`an operator (${OPERATOR_LIST}) after the attribute path ${this.text.slice(pathToken.position, token.position).trim()}`);
    }
    this.next();
    return node.compare(path, op as CompareOperator, this.value(op));
  }

  private value(op: string): FilterValue {
    const token = this.peek();
    if (token.kind === "string") {
      this.next();
      return token.text;
    }
    if (token.kind !== "word" || /^(and|or|not)$/i.test(token.text)) {
      throw this.expected(`a value after ${op} (a "string", number, true, false or null)`);
    }
    this.next();
    if (JSON_NUMBER.test(token.text)) {
      const number = Number(token.text);
      if (!Number.isFinite(number)) throw this.error(token.position, `the number ${token.text} is out of range`);
      return number;
    }
    const literal = token.text.toLowerCase();
    if (literal === "true") return true;
    if (literal === "false") return false;
    if (literal === "null") return null;
    // Legacy Entra samples send `externalId eq jyoung` and unquoted ids: a bare word is a string.
    return token.text;
  }

  patchPath(): PatchPath {
    const pathToken = this.peek();
    const path = this.attributePath();
    if (this.peek().kind !== "[") return node.patchPath(path);
    if (path.subAttribute) throw this.error(pathToken.position, `a value filter applies to a multi-valued attribute, not the sub-attribute ${printPath(path)}`);
    const filter = this.nested(this.peek(), () => this.bracket());
    const sub = this.subAttributeAfterBracket();
    return node.patchPath(path, filter, sub?.attribute);
  }

  /** `].value`: the scanner leaves ".value" as one word. */
  private subAttributeAfterBracket(): AttributePath | undefined {
    const token = this.peek();
    if (token.kind !== "word" || !token.text.startsWith(".")) return undefined;
    const name = token.text.slice(1);
    if (!ATTRIBUTE_NAME.test(name)) throw this.error(token.position + 1, `"${name}" is not a valid sub-attribute name`);
    this.next();
    return node.attributePath(name);
  }

  /** attrPath = [URI ":"] ATTRNAME *1subAttr; the URN ends at the last colon. */
  private attributePath(): AttributePath {
    const token = this.peek();
    if (token.kind !== "word") throw this.expected("an attribute path");
    const word = token.text;
    let schema: string | undefined;
    let rest = word;
    if (/^urn:/i.test(word)) {
      const colon = word.lastIndexOf(":");
      schema = word.slice(0, colon);
      rest = word.slice(colon + 1);
      if (!SCHEMA_URN.test(schema)) throw this.error(token.position, `"${schema}" is not a schema URN`);
    } else if (word.includes(":")) {
      throw this.error(token.position, `"${word}" is not an attribute path; a schema prefix must be a URN (urn:...)`);
    }
    const parts = rest.split(".");
    if (parts.length > 2) throw this.error(token.position, `"${word}" has more than one sub-attribute; an attribute path is attribute[.subAttribute]`);
    const bad = parts.find((part) => !ATTRIBUTE_NAME.test(part));
    if (bad !== undefined) {
      const at = token.position + word.length - rest.length + (bad === parts[0] ? 0 : parts[0].length + 1);
      throw this.error(at, `"${bad}" in "${word}" is not a valid attribute name (a letter, then letters, digits, - or _)`);
    }
    this.next();
    return node.attributePath(parts[0], parts[1], schema);
  }

  private nested<T>(token: Token, parse: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) throw this.error(token.position, `nesting is deeper than ${MAX_FILTER_DEPTH} levels`);
    const result = parse();
    this.depth--;
    return result;
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (token.kind !== "word" || token.text.toLowerCase() !== word) return false;
    this.next();
    return true;
  }

  expectEnd(alternatives: string): void {
    if (this.peek().kind !== "end") throw this.expected(`${alternatives ? `${alternatives} or ` : ""}the end of the text`);
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): void {
    this.index++;
  }

  private expected(what: string) {
    const token = this.peek();
    return this.error(token.position, `expected ${what}, found ${describe(token)}`);
  }

  private error(position: number, message: string) {
    return syntaxError(this.scimType, position, message);
  }
}

function describe(token: Token): string {
  if (token.kind === "end") return "the end of the text";
  if (token.kind === "string") return `the string ${JSON.stringify(token.text)}`;
  return `"${token.text}"`;
}
