/**
 * Splits filter and PATCH path text into tokens. Words are left uninterpreted (attribute path,
 * operator, keyword or bare value) because only the parser knows which one it expects.
 */
import { ScimError, type ScimType } from "./scim-error.js";

export type TokenKind = "(" | ")" | "[" | "]" | "string" | "word" | "end";

export interface Token {
  readonly kind: TokenKind;
  /** Raw text for words; the decoded value for strings. */
  readonly text: string;
  /** 0-based offset of the token's first character, as JSON.parse reports positions. */
  readonly position: number;
}

const PUNCTUATION = new Set(["(", ")", "[", "]"]);
const WHITESPACE = /\s/;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

export function scan(text: string, scimType: ScimType): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (WHITESPACE.test(c)) {
      i++;
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ kind: c as TokenKind, text: c, position: i });
      i++;
    } else if (c === '"') {
      const [value, end] = scanString(text, i, scimType);
      tokens.push({ kind: "string", text: value, position: i });
      i = end;
    } else {
      const start = i;
      while (i < text.length && !WHITESPACE.test(text[i]) && !PUNCTUATION.has(text[i]) && text[i] !== '"') i++;
      tokens.push({ kind: "word", text: text.slice(start, i), position: start });
    }
  }
  tokens.push({ kind: "end", text: "", position: text.length });
  return tokens;
}

/** A JSON string (RFC 8259 §7); raw control characters are tolerated, bad escapes are not. */
function scanString(text: string, start: number, scimType: ScimType): [string, number] {
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') return [value, i + 1];
    if (c !== "\\") {
      value += c;
      i++;
      continue;
    }
    const escape = text[i + 1];
    if (escape === "u") {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw syntaxError(scimType, i, `invalid \\u escape in a string; expected four hex digits`);
      value += String.fromCharCode(parseInt(hex, 16));
      i += 6;
    } else if (escape !== undefined && escape in ESCAPES) {
      value += ESCAPES[escape];
      i += 2;
    } else {
      throw syntaxError(scimType, i, `invalid escape \\${escape ?? ""} in a string; JSON escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX`);
    }
  }
  throw syntaxError(scimType, start, "unterminated string; expected a closing double quote");
}

export function syntaxError(scimType: ScimType, position: number, message: string): ScimError {
  const what = scimType === "invalidFilter" ? "filter" : "path";
  return ScimError.badRequest(scimType, `invalid ${what} at position ${position}: ${message}`);
}
