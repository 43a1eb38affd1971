/**
 * Reads a YAML file and validates it with a zod schema, naming file, line and key in every
 * error, so a consultant or an IT admin sees exactly what to fix.
 */
import { readFileSync } from "node:fs";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";

export class ConfigFileError extends Error {
  override readonly name = "ConfigFileError";
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}:\n  ${problems.join("\n  ")}`);
  }
}

export interface YamlSource {
  readonly file: string;
  readonly document: Document;
  readonly lines: LineCounter;
}

export function readYaml(file: string): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigFileError(file, [`cannot read file: ${(error as NodeJS.ErrnoException).code ?? error}`]);
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigFileError(
      file,
      document.errors.map((e) => `line ${lines.linePos(e.pos[0]).line}: ${e.message.split("\n")[0]}`),
    );
  }
  return { file, document, lines };
}

/** `attributes.3.column` -> "line 42, key attributes[3].column". */
export function describeKey(source: YamlSource, path: readonly PropertyKey[]): string {
  const key = path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
  // Walk up until a node exists: a missing key is reported at its parent's line.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = source.document.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) {
      return `line ${source.lines.linePos(node.range[0]).line}, key ${key || "(root)"}`;
    }
  }
  return `key ${key || "(root)"}`;
}

export function validateYaml<S extends z.ZodType>(source: YamlSource, schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigFileError(
    source.file,
    result.error.issues.map((issue) => `${describeKey(source, issue.path)}: ${issue.message}`),
  );
}
